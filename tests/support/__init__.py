"""What several test folders share: fixtures that start daemons (``cups``, ``centre``),
the test tiers (``tiers``), and the station set-ups (``station``, ``tui``).

The fixture modules are registered once, as plugins, by ``pytest_plugins`` in
tests/conftest.py, so every folder gets the same fixture (one PostgreSQL cluster per
session, not one per folder). ``tests`` is a package: helpers anywhere under it are
imported by their package path (``tests.hw.vcard``, ``tests.sync.syncrig``), never by
editing the import path, and conftest files hold their own folder's fixtures only."""
