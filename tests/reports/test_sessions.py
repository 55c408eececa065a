"""Session lifetimes and the login check, in-process on the centre's SQLite store."""

from __future__ import annotations

import pytest

from center.db import SqliteStore
from center.reports import accounts, sessions


@pytest.fixture
def store(tmp_path):
    s = SqliteStore(tmp_path / "c.sqlite3")
    s.migrate()
    assert accounts.add(s, "主管甲", "correct horse battery")
    yield s
    s.close()


def test_idle_timeout_and_absolute_lifetime(store):
    t0 = 1_800_000_000.0
    token = sessions.start(store, "主管甲", now=t0)
    assert sessions.find(store, token, now=t0 + 60, idle_s=600).name == "主管甲"
    # used every few minutes, it lives until its absolute lifetime ends
    at = t0
    while at < t0 + sessions.LIFETIME_S - 300:
        at += 300
        assert sessions.find(store, token, now=at, idle_s=600) is not None
    assert sessions.find(store, token, now=t0 + sessions.LIFETIME_S + 1, idle_s=600) is None
    # left alone longer than the idle timeout, it is gone for good
    idle = sessions.start(store, "主管甲", now=t0)
    assert sessions.find(store, idle, now=t0 + 601, idle_s=600) is None
    assert sessions.find(store, idle, now=t0 + 10, idle_s=600) is None


def test_idle_timeout_is_configurable(monkeypatch):
    monkeypatch.setenv(sessions.IDLE_ENV, "5")
    assert sessions.idle_seconds() == 300
    monkeypatch.setenv(sessions.IDLE_ENV, "nonsense")
    assert sessions.idle_seconds() == sessions.DEFAULT_IDLE_MIN * 60


def test_unknown_name_runs_the_same_password_check(store, monkeypatch):
    seen: list[str] = []
    real = accounts.password_ok

    def counting(password: str, phc: str) -> bool:
        seen.append(phc)
        return real(password, phc)

    monkeypatch.setattr(accounts, "password_ok", counting)
    for name in ("主管甲", "无此人"):
        with pytest.raises(accounts.Refused) as err:
            accounts.login(store, name, "wrong password", "10.0.0.1")
        assert err.value.retry_after == 0
    assert len(seen) == 2 and seen[1] == accounts._DUMMY
    assert seen[0].startswith("$argon2id$") and seen[1].startswith("$argon2id$")


def test_good_logins_do_not_lock_an_office(store):
    """Many supervisors behind one address: their successful logins are not failures."""
    for _ in range(sessions.FREE["addr"] * 2):
        accounts.login(store, "主管甲", "correct horse battery", "10.0.0.9")
    assert sessions.failures(store, "addr", "10.0.0.9") == 0
