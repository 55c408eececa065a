"""Test rig for the sync area: a real PostgreSQL, a real centre process, a TCP proxy.

Shared by many folders; its fixtures live in tests/support/centre.py. Nothing here is
faked: the centre is `center serve` in its own process on loopback, PostgreSQL is
initdb/pg_ctl in a temporary folder on a Unix socket, and faults are injected by a
proxy that really cuts TCP connections after a chosen number of bytes.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "centre-test-passphrase"
STAFF_PASS = "staff-passphrase-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ----------------------------------------------------------------------------- PostgreSQL
class Postgres:
    """A throw-away cluster; each test gets its own database in it."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="pgtest-"))
        self.data = self.dir / "data"
        self.sock = self.dir
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(PG_BIN / "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8")
        opts = (f"-c listen_addresses='' -c unix_socket_directories={self.sock} -c fsync=off"
                " -c max_connections=200 -c shared_buffers=64MB")
        self._run(PG_BIN / "pg_ctl", "-D", str(self.data), "-o", opts, "-w", "-l",
                  str(self.dir / "log"), "start")

    def _run(self, *args: object) -> None:
        cmd = [str(a) for a in args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True)

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://postgres@/{db}?host={self.sock}"

    def new_database(self) -> str:
        import psycopg

        name = "t" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        with suppress(subprocess.CalledProcessError):
            self._run(PG_BIN / "pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


def pg_available() -> bool:
    return (PG_BIN / "initdb").exists() and (PG_BIN / "pg_ctl").exists()


# --------------------------------------------------------------------------------- centre
@dataclass
class Centre:
    """`center serve` in its own process; `kill()` is SIGKILL, `start()` starts it again."""

    home: Path
    db_url: str | None
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    tls: tuple[str, str] | None = None
    workers: int = 1
    threads: int | None = None
    root: Path = ROOT  # the code the centre runs (another checkout: an older centre)
    extra_env: dict[str, str] = field(default_factory=dict)  # e.g. libfaketime's

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ, CENTER_HOME=str(self.home), CENTER_PASSPHRASE=PASSPHRASE)
        if self.db_url:
            env["CENTER_DB"] = self.db_url
        else:
            env.pop("CENTER_DB", None)
        env["PYTHONPATH"] = os.pathsep.join([str(self.root / "queue"), str(self.root)])
        env.update(self.extra_env)
        return env

    def cli(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "center", *args], env=self.env(),
                              capture_output=True, text=True, input=input, timeout=300,
                              cwd=self.root)

    def start(self) -> None:
        """Start and return once this process serves: its banner is printed only after its
        own socket answered /healthz (center/serving.py), so another run's centre on the
        same port can never answer in its stead. A port taken between free_port() and the
        bind (two suites at once) is replaced by a fresh one on the first start."""
        for _attempt in range(3):
            try:
                self._start_once()
                self._started = True
                return
            except _PortTaken:
                if getattr(self, "_started", False):
                    raise RuntimeError(f"centre port {self.port} taken meanwhile") from None
                self.port = free_port()
        raise RuntimeError("no free port for the centre")

    def _start_once(self) -> None:
        cmd = [sys.executable, "-m", "center", "serve", "--port", str(self.port)]
        if self.tls:
            cmd += ["--tls-cert", self.tls[0], "--tls-key", self.tls[1]]
        if self.workers > 1:
            cmd += ["--workers", str(self.workers)]
        if self.threads:
            cmd += ["--threads", str(self.threads)]
        # Own session: kill() takes the whole process group (push processes too).
        self.proc = subprocess.Popen(cmd, env=self.env(), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, start_new_session=True,
                                     cwd=self.root)
        lines: queue.Queue[str | None] = queue.Queue()
        # Drained for the process's whole life: a full pipe would stall the server.
        threading.Thread(target=_drain, args=(self.proc.stderr, lines), daemon=True).start()
        said: list[str] = []
        deadline = time.monotonic() + 180  # a last guard: CI machines are shared
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError("centre did not start: " + "".join(said)) from None
            if line is None:  # stderr closed: the process ended
                self.proc.wait()
                text = "".join(said)
                if "address already in use" in text.lower():
                    raise _PortTaken
                raise RuntimeError("centre exited: " + text)
            said.append(line)
            if self.url in line:  # the banner: serving at our URL
                break
        else:
            raise RuntimeError("centre did not start: " + "".join(said))
        # An older centre (tests/sync/test_versions.py) printed its banner before binding.
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                httpx.get(self.url + "/healthz", timeout=10, verify=False)
                return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("centre did not answer: " + "".join(said))

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.kill()

    def store(self):
        from center.db import open_store

        store = open_store(self.db_url, self.home)
        store.migrate()
        return store

    def enrol_code(self, name: str) -> str:
        out = self.cli("enroll", "--station", name)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip().splitlines()[-1]


class _PortTaken(Exception):
    """The centre could not bind its port: someone took it after free_port() chose it."""


def _drain(stream, lines: queue.Queue) -> None:
    for raw in iter(stream.readline, b""):
        lines.put(raw.decode(errors="replace"))
    lines.put(None)


def make_centre_home(path: Path) -> Path:
    from center import keys

    keys.save(keys.generate(), path, PASSPHRASE)
    return path


# ---------------------------------------------------------------------------------- proxy
class Proxy:
    """A TCP proxy whose next connections can be cut after N bytes in either direction.

    `cut_up` counts bytes from the station to the centre (a request cut mid-body),
    `cut_down` bytes from the centre to the station (an answer cut mid-body).
    Each setting applies to the next connection only, then resets.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.cut_up: int | None = None
        self.cut_down: int | None = None
        self.refuse = False
        self.cuts = 0
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            if self.refuse:
                client.close()
                continue
            up, down = self.cut_up, self.cut_down
            self.cut_up = self.cut_down = None
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            pair = (client, server)
            threading.Thread(target=self._pump, args=(client, server, up, pair),
                             daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, down, pair),
                             daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, limit: int | None,
              pair: tuple[socket.socket, socket.socket]) -> None:
        sent = 0
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if limit is not None and sent + len(data) >= limit:
                    dst.sendall(data[: max(0, limit - sent)])
                    self.cuts += 1
                    break
                dst.sendall(data)
                sent += len(data)
        except OSError:
            pass
        for s in pair:  # a cut closes both sides, like a dropped 4G link
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with suppress(OSError):
                s.close()

    def close(self) -> None:
        self._closed = True
        self.sock.close()


# -------------------------------------------------------------------------------- station
def make_station(name: str = "徐汇-01", centre: Centre | None = None, url: str | None = None,
                 suite: str | None = None, clock=time.time):
    """A configured station with a queue; enrolled at `centre` (via `url`) if given."""
    from stationq import TEST_KDF, Queue

    from station import config, paths

    cfg = config.StationConfig(station_id=config.new_station_id(), name=name,
                               sites=["康健街道"], staff=[config.StaffEntry("s01", "张")])
    config.save(cfg)
    queue = Queue.create(paths.queue_file(), station_id=cfg.station_id, slot="s01",
                         passphrase=STAFF_PASS, kdf=TEST_KDF, clock=clock)
    if centre is not None:
        enrol_station(queue, centre, name, url, suite)
    return queue


def enrol_station(queue, centre: Centre, name: str, url: str | None = None,
                  suite: str | None = None):
    from station.sync.enrol import DEFAULT_SUITE, enrol, seal_existing

    done = enrol(url or centre.url, centre.enrol_code(name), suite=suite or DEFAULT_SUITE)
    seal_existing(queue, done.pinned)
    return done


def case_meta(station_id: str, i: int) -> dict[str, str]:
    """Clear metadata as the station core writes it (station/cases/codec.py `clear_meta`):
    the centre refuses anything else."""
    return {"case_no": f"{station_id}-261122-{i:03d}", "matter": "MZ01", "line": "MZ",
            "site": "康健街道", "staff": "s01", "date": "2026-11-22", "status": "accepted",
            "rating": ""}


def add_cases(queue, n: int, start: int = 0) -> list[str]:
    ids = []
    for i in range(start, start + n):
        info = queue.append("case", {"name": f"居民{i}", "id_number": "110101194001011234",
                                     "matter": "MZ01", "answers": {"x": "y" * 50}},
                            case_meta(queue.station_id, i))
        ids.append(info.record_id)
    return ids


def client_for(queue, url: str | None = None, **options):
    from station import config
    from station.sync.client import SyncClient
    from station.sync.identity import load_keys, load_pinned
    from station.sync.inbox import Inbox

    pinned = load_pinned(config.load())
    if url is not None:
        import dataclasses

        pinned = dataclasses.replace(pinned, url=url)
    # A last guard only: a batch may take ten times as long as on a quiet machine.
    options.setdefault("timeout_s", 120.0)
    return SyncClient(queue, load_keys(), pinned, Inbox(), **options)


def assert_exactly_once(centre: Centre, queue, expected: int) -> None:
    """Every record version at the centre once, acknowledged at the station, no gaps."""
    store = centre.store()
    try:
        keys = [k for k in store.record_keys() if k[2] == queue.station_id]
        assert len(keys) == expected
        assert len({(k[0], k[1]) for k in keys}) == expected
        assert sorted(k[3] for k in keys) == list(range(1, expected + 1))
        cov = next(c for c in store.coverage() if c["station_id"] == queue.station_id)
        assert cov["gaps"] == [] and cov["ranges"] == [(1, expected)]
        assert store.counts()["conflicts"] == 0
    finally:
        store.close()
    counts = queue.stats().counts
    assert counts["pending"] == 0 and counts["sent"] == 0
    assert counts["acknowledged"] == expected


def signed_push(client, records: list) -> tuple[bytes, dict[str, str]]:
    """A push request exactly as the client would sign it, for replays and forgeries."""
    from shared.protocol import SIGNATURE_HEADER, dumps, new_nonce, now_ms, sign
    from station.sync.client import _wire

    wire = [r if isinstance(r, dict) else _wire(r) for r in records]
    body = dumps({"v": 1, "station_id": client.pinned.station_id, "ts": now_ms(),
                  "nonce": new_nonce(), "records": wire})
    return body, {SIGNATURE_HEADER: sign(client.keys.sign, "request", "/v1/push", body),
                  "content-type": "application/json"}
