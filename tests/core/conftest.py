"""A station of its own for each test: real queue and catalogue, fake reader and printer.

The ``clock``, ``printer``, ``reader``, ``fresh`` and ``service`` fixtures come from
tests/support/station_fixtures.py (registered in tests/conftest.py); the helpers are in
tests/support/station.py."""
