"""Fixtures of the sync area live in syncrig.py (shared with tests/center)."""

from syncrig import backend, centre, db_url, postgres  # noqa: F401 - pytest fixtures
