"""`center user …` with roles, `center supervisor …` as its supervisor-only alias, and
the migration that keeps the accounts made before roles existed (SQLite, PostgreSQL)."""

from __future__ import annotations

import time

import pytest

from center.db import MIGRATIONS, PostgresStore, SqliteStore
from center.reports import accounts
from shared.i18n import t
from tests.sync.syncrig import Centre, make_centre_home


@pytest.mark.slow  # a dozen `center` command processes
def test_user_commands_with_roles(tmp_path):
    centre = Centre(make_centre_home(tmp_path / "centre"), None)  # the CLI only: not served

    def add(name: str, role: str, password: str = "long enough pass"):
        return centre.cli("user", "add", name, "--role", role, "--password-stdin",
                          input=password + "\n")

    assert add("甲", "办件员").returncode == 0
    out = add("乙", "admin")
    assert out.returncode == 0 and t("office.role_admin") in out.stdout
    assert centre.cli("supervisor", "add", "丙", "--password-stdin",
                      input="long enough pass\n").returncode == 0
    bad = add("丁", "boss")
    assert bad.returncode == 1 and "boss" in bad.stderr and "caseworker" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert add("甲", "admin").returncode == 1  # exists already
    assert add("戊", "admin", "short").returncode == 1
    assert add("x\u202ey", "admin").returncode == 1  # direction marks refused
    listing = centre.cli("user", "list").stdout.splitlines()
    assert [line.split("\t")[::2] for line in listing] == [
        ["丙", "supervisor"], ["乙", "admin"], ["甲", "caseworker"]]
    assert centre.cli("user", "list", "--role", "办件员").stdout.split("\t")[0] == "甲"
    assert centre.cli("supervisor", "list").stdout.split() == ["丙"]
    reset = centre.cli("user", "reset-password", "甲", "--password-stdin",
                       input="another long pass\n")
    assert reset.returncode == 0
    assert centre.cli("user", "remove", "甲").returncode == 0
    gone = centre.cli("user", "remove", "甲")
    assert gone.returncode == 1 and "甲" in gone.stderr
    assert "--role" in centre.cli("user", "add", "--help").stdout
    assert "办件员" in centre.cli("user", "--help").stdout


def _old_schema(store) -> None:
    """A centre database as it was before roles: migration 1 and the report tables."""
    types = {"sqlite": {"blob": "BLOB", "serial": "INTEGER"},
             "postgresql": {"blob": "BYTEA", "serial": "BIGSERIAL"}}[store.engine]
    with store.tx() as cur:
        cur.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
                    " applied_at BIGINT NOT NULL)")
        for stmt in MIGRATIONS[0][1]:
            cur.execute(stmt.format(**types))
        cur.execute(store.q("INSERT INTO schema_migrations VALUES (1, ?)"),
                    (int(time.time() * 1000),))
        cur.execute("""CREATE TABLE report_supervisors (
            name TEXT PRIMARY KEY, phc TEXT NOT NULL, created_at BIGINT NOT NULL,
            failures INTEGER NOT NULL DEFAULT 0, retry_at BIGINT NOT NULL DEFAULT 0)""")
        cur.execute(store.q("INSERT INTO report_supervisors (name, phc, created_at)"
                            " VALUES (?, ?, ?)"),
                    ("老主管", accounts.hash_password("an old password"), 1))


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_accounts_made_before_roles_stay_supervisors(engine, tmp_path, request):
    if engine == "sqlite":
        store = SqliteStore(tmp_path / "old.sqlite3")
    else:
        store = PostgresStore(request.getfixturevalue("postgres").new_database())
    try:
        _old_schema(store)
        assert store.migrate() == max(v for v, _ in MIGRATIONS)
        assert store.migrate() == max(v for v, _ in MIGRATIONS)  # again: nothing to do
        assert accounts.listing(store) == [("老主管", "supervisor")]
        accounts.login(store, "老主管", "an old password", "127.0.0.1")  # still logs in
        from center.reports import sessions

        token = sessions.start(store, "老主管")
        assert sessions.find(store, token).role == "supervisor"
        assert accounts.add(store, "新办件", "a new password", "caseworker")
        assert accounts.role_of(store, "新办件") == "caseworker"
    finally:
        store.close()
