"""docs/deploy-centre.md, run word for word: database, keys, supervisor, TLS from a CA,
the shipped systemd unit, a pg_dump restore drill with real stations, the key restore.

The doc's `# step:` blocks run in bash against a Debian-like PostgreSQL (tests/center/
deployrig.py); the unit's ExecStart runs as systemd would start it. Stations are real
queues syncing over TLS (tests/sync/syncrig.py).
"""

from __future__ import annotations

import os
import re
import shutil
import ssl
import subprocess
import zlib
from pathlib import Path

import httpx
import pytest

from tests.center.deployrig import (
    CENTER_BIN,
    SUPERVISOR,
    DebianPostgres,
    Deployment,
    doc_steps,
    log_in,
    make_ca_and_server,
    station_home,
)
from tests.sync.syncrig import (
    PASSPHRASE,
    add_cases,
    client_for,
    free_port,
    make_centre_home,
    make_station,
    pg_available,
)

pytestmark = [pytest.mark.daemon,
              pytest.mark.skipif(not pg_available() or os.geteuid() != 0
                                 or shutil.which("runuser") is None,
                                 reason="needs root, runuser and the PostgreSQL binaries")]


@pytest.fixture(scope="module")
def debian_pg():
    pg = DebianPostgres()
    yield pg
    pg.destroy()


def test_the_doc_has_every_step_the_test_runs() -> None:
    assert list(doc_steps()) == [
        "settings", "database", "keys", "supervisor", "tls", "service-install", "backup",
        "service-stop", "restore", "service-start", "key-backup", "key-restore"]
    for name, body in doc_steps().items():
        if name.startswith("service-"):  # systemd itself: the unit is checked instead
            assert all(line.startswith(("install ", "systemctl ", "journalctl "))
                       for line in body.splitlines() if line), name
            assert "center.service" in body


def test_the_shipped_unit_verifies(tmp_path, debian_pg) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze not installed")
    unit = tmp_path / "center.service"
    unit.write_text(Deployment(tmp_path, debian_pg).unit_text(), "utf-8")
    out = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                         text=True)
    assert out.returncode == 0 and out.stderr.strip() == "", out.stderr
    text = (Path(__file__).parents[2] / "deploy" / "center.service").read_text("utf-8")
    assert "EnvironmentFile=/etc/liudong-center/center.env" in text
    assert "StandardInput=file:/etc/liudong-center/passphrase" in text
    assert re.search(r"^ExecStart=/usr/local/bin/center serve --passphrase-stdin ", text, re.M)


def _fingerprint(openssl_out: str) -> str:
    found = re.search(r"Fingerprint=([0-9A-F:]+)", openssl_out, re.I)
    assert found, openssl_out
    return found.group(1).replace(":", "").lower()


def _enrol(dep: Deployment, queue, name: str, fingerprint: str) -> None:
    from station.sync.enrol import enrol, seal_existing

    out = dep.cli("enroll", "--station", name)
    assert out.returncode == 0, out.stderr
    code = out.stdout.strip().splitlines()[-1]
    done = enrol(f"https://127.0.0.1:{dep.port}", code, expect_fingerprint=fingerprint)
    seal_existing(queue, done.pinned)


def _sync(home: Path, queue) -> None:
    with station_home(home):
        client = client_for(queue)
        try:
            state = client.run_once()
        finally:
            client.close()
    assert state.last_error is None, state.last_error


def _coverage(dep: Deployment) -> dict[str, list]:
    from center.db import open_store

    store = open_store(dep.center_env()["CENTER_DB"], dep.home)
    try:
        assert store.counts()["conflicts"] == 0
        keys = store.record_keys()
        assert len(keys) == len({(k[0], k[1]) for k in keys})  # each version once
        return {c["station_id"]: c["ranges"] for c in store.coverage()} | {
            "_gaps": [c["gaps"] for c in store.coverage() if c["gaps"]]}
    finally:
        store.close()


def _open_one(dep: Deployment, passphrase: str, station_id: str, record_id: str) -> dict:
    """Open a stored record with the keys in the (restored) centre folder."""
    import json

    from stationq.sealing import MLKEM768_X25519, X25519, open_bytes, record_info

    from center import keys
    from center.db import open_store

    secret = keys.load(dep.home, passphrase)
    store = open_store(dep.center_env()["CENTER_DB"], dep.home)
    try:
        sid, suite, enc = store.sealed(record_id, 1)
    finally:
        store.close()
    assert sid == station_id
    key = {X25519: secret.x25519, MLKEM768_X25519: secret.hybrid}[suite]
    return json.loads(zlib.decompress(open_bytes(key, suite, enc,
                                                 record_info(station_id, record_id, 1))))


def test_deploy_backup_restore_drill(tmp_path, debian_pg) -> None:
    dep = Deployment(tmp_path / "centre", debian_pg)
    dep.root.mkdir()
    dep.run("database")
    assert oct((dep.etc / "center.env").stat().st_mode & 0o777) == "0o600"
    assert debian_pg.psql("SELECT rolname FROM pg_roles WHERE rolname = 'centre'") == "centre\n"
    dsn = dep.center_env()["CENTER_DB"]
    assert dsn.startswith("postgresql://centre:") and f"@127.0.0.1:{debian_pg.port}/centre" in dsn
    dep.run("keys")
    assert (dep.home / "keys.json").exists()
    passphrase = (dep.etc / "passphrase").read_text().strip()
    dep.run("supervisor")
    assert dep.cli("supervisor", "list").stdout.split() == [SUPERVISOR[0]]

    ca = make_ca_and_server(tmp_path / "issued")
    fingerprint = _fingerprint(dep.run("tls", cwd=tmp_path / "issued").stdout)
    banner = dep.start()
    try:
        assert "中心服务已启动：https://" in banner[0] and f":{dep.port}" in banner[0]
        assert banner[1].startswith("主管报告页：https://") and banner[1].endswith("/reports")
        # Browsers trust the CA, with the host name checked as usual.
        ctx = ssl.create_default_context(cafile=str(ca))
        with httpx.Client(base_url=f"https://127.0.0.1:{dep.port}", verify=ctx,
                          timeout=60) as http:
            root = http.get("/")
            assert root.status_code == 302 and root.headers["location"] == "/reports"
            signed_in = log_in(http, *SUPERVISOR)
            assert signed_in.status_code == 303
            assert "secure" in signed_in.headers["set-cookie"].lower()
            assert http.get("/reports").status_code == 200

        homes = [tmp_path / "st-a", tmp_path / "st-b"]
        queues = []
        for home, name in zip(homes, ["徐汇-01", "徐汇-02"], strict=True):
            home.mkdir()
            with station_home(home):
                queue = make_station(name)
                _enrol(dep, queue, name, fingerprint)
                add_cases(queue, 30)
            queues.append(queue)
            _sync(home, queue)
        before = _coverage(dep)
        assert [before[q.station_id] for q in queues] == [[(1, 30)], [(1, 30)]]

        dep.run("backup")
        dep.run("key-backup")
        dumps = list(dep.backup.glob("centre-*.dump"))
        assert len(dumps) == 1 and dumps[0].stat().st_size > 0
    finally:
        dep.stop()

    # Lost: the database and the centre folder. Restore both from the backups.
    out = dep.run("restore")
    assert "徐汇-01" in out.stdout and "1–30" in out.stdout
    shutil.rmtree(dep.home)
    dep.run("key-restore")
    dep.start()
    try:
        for home, queue in zip(homes, queues, strict=True):
            with station_home(home):
                add_cases(queue, 10, start=30)
            _sync(home, queue)
        after = _coverage(dep)
        assert [after[q.station_id] for q in queues] == [[(1, 40)], [(1, 40)]]
        assert after["_gaps"] == []
        for queue in queues:
            counts = queue.stats().counts
            assert counts["pending"] == 0 and counts["acknowledged"] == 40
        assert dep.cli("supervisor", "list").stdout.split() == [SUPERVISOR[0]]
    finally:
        dep.stop()
    # The restored key opens a record sealed before the backup.
    from center.db import open_store

    store = open_store(dep.center_env()["CENTER_DB"], dep.home)
    try:
        first = next(k for k in store.record_keys()
                     if k[2] == queues[0].station_id and k[3] == 1)
    finally:
        store.close()
    env = _open_one(dep, passphrase, queues[0].station_id, first[0])
    assert env["id"] == first[0] and env["seq"] == 1


def test_database_faults_are_named(tmp_path) -> None:
    """Wrong password, missing database, server not running: each its own sentence."""
    pg = DebianPostgres()
    try:
        pg.psql("CREATE ROLE centre LOGIN PASSWORD 'right-password'")
        pg.psql("CREATE DATABASE centre OWNER centre")
        base = f"postgresql://centre:%s@127.0.0.1:{pg.port}/%s"

        def run(dsn: str) -> subprocess.CompletedProcess:
            env = dict(os.environ, CENTER_DB=dsn, CENTER_HOME=str(tmp_path))
            return subprocess.run([str(CENTER_BIN),
                                   "report", "coverage"], env=env, capture_output=True,
                                  text=True, timeout=120)

        ok = run(base % ("right-password", "centre"))
        assert ok.returncode == 0, ok.stderr
        wrong = run(base % ("wrong-password", "centre"))
        assert wrong.returncode == 1 and "拒绝了用户「centre」的登录" in wrong.stderr
        assert "密码不对" in wrong.stderr and "wrong-password" not in wrong.stderr
        missing = run(base % ("right-password", "centrr"))
        assert missing.returncode == 1 and "数据库「centrr」不存在" in missing.stderr
        assert "CREATE DATABASE" in missing.stderr
        pg.stop()
        down = run(base % ("right-password", "centre"))
        assert down.returncode == 1 and "没有 PostgreSQL 在运行" in down.stderr
        assert f"端口 {pg.port}" in down.stderr and "systemctl start postgresql" in down.stderr
        # `center serve` says the same before it starts, and never claims to have started.
        serve = subprocess.run([str(CENTER_BIN), "serve", "--port", str(free_port())],
                               env=dict(os.environ, CENTER_DB=base % ("right-password",
                                                                      "centre"),
                                        CENTER_HOME=str(make_centre_home(tmp_path / "c")),
                                        CENTER_PASSPHRASE=PASSPHRASE),
                               capture_output=True, text=True, timeout=120)
        assert serve.returncode == 1 and "没有 PostgreSQL 在运行" in serve.stderr
        assert "已启动" not in serve.stderr
        for out in (wrong, missing, down, serve):
            assert "Traceback" not in out.stderr and "right-password" not in out.stderr
    finally:
        pg.destroy()


def test_help_names_center_db() -> None:
    out = subprocess.run([str(CENTER_BIN), "--help"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and "CENTER_DB" in out.stdout
    assert "postgresql://" in out.stdout and "CENTER_HOME" in out.stdout
