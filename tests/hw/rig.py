"""Isolated daemons for the hardware tests and the benchmark: pcscd with vpcd, and cupsd.

Neither touches the machine's own daemons:

* pcscd 1.9.9 has its client socket path compiled in (/run/pcscd/pcscd.comm) but accepts
  systemd socket activation. We bind our own Unix socket, hand it over as fd 3 with
  LISTEN_FDS=1 / LISTEN_PID, give it its own reader.conf.d (two vpcd readers on free
  ports), and the client side finds it through PCSCLITE_CSOCK_NAME — which libpcsclite
  reads once, at the process's first PC/SC call, so set it before that.
* cupsd runs from its own config folder, listening on a loopback port and a socket in
  that folder, with a ServerBin folder that links the system's CUPS programs plus a
  tiny backend of ours that copies each job's bytes to a folder (cups-pdf mangles CJK
  text and wants root).
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

PCSCD = shutil.which("pcscd", path="/usr/sbin:/usr/bin:/sbin") or "/usr/sbin/pcscd"
CUPSD = shutil.which("cupsd", path="/usr/sbin:/usr/bin:/sbin") or "/usr/sbin/cupsd"
VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
CUPS_SERVERBIN = Path("/usr/lib/cups")
HERE = Path(__file__).resolve().parent
SINK_BACKEND = HERE / "sink_backend.py"
EVENT_DRIVER_SOURCE = HERE / "eventvpcd.c"


def free_port_pair() -> int:
    """A port p with p and p+1 free on every interface (vpcd binds 0.0.0.0)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port >= 65535:
            continue
        try:
            for p in (port, port + 1):
                with socket.socket() as s:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    s.bind(("0.0.0.0", p))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port pair")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def build_event_driver(workdir: Path) -> Path:
    """vpcd with a card-event thread (see eventvpcd.c), compiled into ``workdir``."""
    out = workdir / "libifdeventvpcd.so"
    if not out.exists() or out.stat().st_mtime < EVENT_DRIVER_SOURCE.stat().st_mtime:
        workdir.mkdir(parents=True, exist_ok=True)
        built = subprocess.run(
            ["gcc", "-O2", "-Wall", "-shared", "-fPIC", "-I/usr/include/PCSC",
             f'-DVPCD_PATH="{VPCD_DRIVER}"', "-o", str(out), str(EVENT_DRIVER_SOURCE),
             "-ldl", "-lpthread"], capture_output=True, text=True)
        if built.returncode != 0:
            raise RuntimeError(f"eventvpcd.c did not build: {built.stderr[-2000:]}")
    return out


class IsolatedPcscd:
    """A foreground pcscd on its own socket with two vpcd readers (ports p, p+1).

    ``driver="event"`` loads vpcd through eventvpcd.c, which tells pcscd of a card the way
    a CCID reader does (an event thread) instead of being polled every 400 ms."""

    def __init__(self, workdir: Path, driver: str = "vpcd") -> None:
        if driver not in ("vpcd", "event"):
            raise ValueError(f"unknown test driver {driver!r}")
        self.workdir = workdir
        self.driver = driver
        self.library = VPCD_DRIVER
        self.socket_path = workdir / "pcscd.comm"
        self.confdir = workdir / "reader.conf.d"
        self.port = free_port_pair()
        self.log = workdir / "pcscd.log"
        self.extra_args: list[str] = []  # e.g. ["-d"] to see pcscd's debug log
        self._plugged = True
        self.proc: subprocess.Popen | None = None

    @property
    def env(self) -> dict[str, str]:
        return {"PCSCLITE_CSOCK_NAME": str(self.socket_path)}

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.confdir.mkdir(exist_ok=True)
        self.library = (build_event_driver(self.workdir) if self.driver == "event"
                         else VPCD_DRIVER)
        self._write_reader_conf(plugged=self._plugged)
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.socket_path))
        os.chmod(self.socket_path, 0o666)
        listener.listen(64)
        env = {k: v for k, v in os.environ.items() if not k.startswith("LISTEN_")}
        env["LISTEN_FDS"] = "1"
        # The shell moves the listening socket from stdin to fd 3 and sets LISTEN_PID
        # to its own pid, which `exec` hands on to pcscd.
        script = 'exec 3<&0 0</dev/null; LISTEN_PID=$$ exec "$@"'
        argv = ["/bin/sh", "-c", script, "sh", PCSCD, "-f", *self.extra_args, "-c",
                str(self.confdir)]
        if private_run_possible():
            # pcscd writes and, on exit, deletes /run/pcscd/pcscd.pid even when socket
            # activated: give it a private, empty /run so a system pcscd's files stay put.
            script = ("mount -t tmpfs -o mode=0755 station-pcscd /run && mkdir /run/pcscd && "
                      + script)
            argv = ["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script,
                    "sh", PCSCD, "-f", *self.extra_args, "-c", str(self.confdir)]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                argv, stdin=listener, stdout=log, stderr=subprocess.STDOUT, env=env,
                start_new_session=True,
            )
        listener.close()
        if self._plugged:
            self._wait_for_vpcd()
        else:
            time.sleep(0.3)  # nothing to wait for: no reader will appear

    def _write_reader_conf(self, *, plugged: bool) -> None:
        # One vpcd entry serves two slots: its port and port+1.
        entry = ('FRIENDLYNAME "Station Test PCD"\n'
                 f"DEVICENAME /dev/null:0x{self.port:X}\n"
                 f"LIBPATH {self.library}\n"
                 f"CHANNELID 0x{self.port:X}\n")
        (self.confdir / "vpcd").write_text(entry if plugged else "# unplugged\n")

    def set_plugged(self, plugged: bool) -> None:
        """"Unplug" / "replug" the reader: restart pcscd on the same socket without / with
        vpcd (pcscd 1.9.9 does not re-read reader.conf.d on SIGUSR1)."""
        self.stop()
        self._plugged = plugged
        self.start()

    def _wait_for_vpcd(self, timeout: float = 120.0) -> None:
        """Ready when both vpcd slots accept a TCP connection (they listen once loaded)."""
        deadline = time.monotonic() + timeout
        pending = {self.port, self.port + 1}
        while pending and time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"pcscd exited: {self.log.read_text()[-2000:]}")
            for port in list(pending):
                # A probe connection would look like a card insertion, so we only
                # check that something is listening via /proc/net/tcp.
                if _listening(port):
                    pending.discard(port)
            time.sleep(0.05)
        if pending:
            raise RuntimeError(f"vpcd never listened: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)
            self.proc = None

    def __enter__(self) -> IsolatedPcscd:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@functools.cache
def private_run_possible() -> bool:
    """Can we give a child its own mount namespace (root, unshare, no seccomp veto)?"""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                            "mount -t tmpfs station-probe /run"], capture_output=True,
                           timeout=60, check=False)
    return probe.returncode == 0


def _listening(port: int) -> bool:
    needle = f":{port:04X} "
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as fh:
            for line in fh.readlines()[1:]:
                cols = line.split()
                if cols[1].endswith(needle.strip()) and cols[3] == "0A":
                    return True
    return False


class IsolatedCupsd:
    """A foreground cupsd in its own folder with a copying sink queue ``stationsink``."""

    QUEUE = "stationsink"

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir.resolve()
        self.port = free_port_pair()
        self.outdir = self.workdir / "out"
        self.socket_path = self.workdir / "cups.sock"
        self.log = self.workdir / "cupsd.log"
        self.proc: subprocess.Popen | None = None

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def _write_config(self) -> None:
        w = self.workdir
        for sub in ("conf", "serverbin/backend", "spool/tmp", "cache", "state", "logs",
                    "out", "ppd"):
            (w / sub).mkdir(parents=True, exist_ok=True)
        serverbin = w / "serverbin"
        for entry in CUPS_SERVERBIN.iterdir():
            if entry.name == "backend":
                continue
            link = serverbin / entry.name
            if not link.exists():
                link.symlink_to(entry)
        for entry in (CUPS_SERVERBIN / "backend").iterdir():
            link = serverbin / "backend" / entry.name
            if not link.exists() and not link.is_symlink():
                link.symlink_to(entry)
        sink = serverbin / "backend" / "stationsink"
        if sink.is_symlink() or sink.exists():
            sink.unlink()
        shutil.copy(SINK_BACKEND, sink)
        # Backends run as root only when their mode is 0700; 0755 makes them run as lp.
        os.chmod(sink, 0o755)
        user_line = ""
        if os.geteuid() == 0:
            # Filters and backends run as lp: every folder above ours must let lp through.
            for parent in w.parents:
                if not parent.stat().st_mode & 0o001:
                    raise RuntimeError(f"{parent} is not searchable by lp: put the cupsd "
                                       "folder somewhere lp can reach (e.g. mkdtemp)")
            # ...and the folders they write to must allow it.
            for sub in ("spool", "spool/tmp", "out"):
                os.chmod(w / sub, 0o1777)
            os.chmod(w, 0o755)
        else:
            user_line = f"User {os.getuid()}\nGroup {os.getgid()}\n"
        (w / "conf" / "cupsd.conf").write_text(
            f"Listen 127.0.0.1:{self.port}\n"
            f"Listen {self.socket_path}\n"
            "LogLevel info\n"
            "WebInterface No\n"
            "Browsing No\n"
            "BrowseLocalProtocols none\n"
            "DefaultAuthType None\n"
            "JobRetryLimit 0\n"
            "PreserveJobHistory Yes\n"
            "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
            "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
        )
        (w / "conf" / "cups-files.conf").write_text(
            f"{user_line}"
            f"ServerRoot {w / 'conf'}\n"
            f"ServerBin {serverbin}\n"
            f"RequestRoot {w / 'spool'}\n"
            f"TempDir {w / 'spool' / 'tmp'}\n"
            f"CacheDir {w / 'cache'}\n"
            f"StateDir {w / 'state'}\n"
            f"AccessLog {w / 'logs' / 'access_log'}\n"
            f"ErrorLog {w / 'logs' / 'error_log'}\n"
            f"PageLog {w / 'logs' / 'page_log'}\n"
            f"Printcap {w / 'state' / 'printcap'}\n"
            "SystemGroup root\n"
            "Sandboxing Relaxed\n"
        )

    def start(self) -> None:
        self._write_config()
        env = dict(os.environ)
        env["STATION_SINK_DIR"] = str(self.outdir)
        conf = self.workdir / "conf"
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [CUPSD, "-f", "-c", str(conf / "cupsd.conf"), "-s",
                 str(conf / "cups-files.conf")],
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
            )
        deadline = time.monotonic() + 120  # a last guard: loaded machines are slow
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                errlog = self.workdir / "logs" / "error_log"
                text = errlog.read_text() if errlog.exists() else ""
                raise RuntimeError(f"cupsd exited: {self.log.read_text()}{text[-2000:]}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError("cupsd did not start listening")
        self.add_sink_queue(self.QUEUE)

    def add_sink_queue(self, name: str) -> None:
        """Create an enabled, accepting raw queue on our sink backend via lpadmin."""
        self.lpadmin("-p", name, "-E", "-v", f"stationsink:{self.outdir}/{name}",
                     "-D", "Station test sink")
        (self.outdir / name).mkdir(parents=True, exist_ok=True)
        os.chmod(self.outdir / name, 0o1777)

    def lpadmin(self, *args: str) -> None:
        subprocess.run(["lpadmin", "-h", f"127.0.0.1:{self.port}", *args], check=True,
                       capture_output=True, timeout=120)

    def run_tool(self, tool: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([tool, "-h", f"127.0.0.1:{self.port}", *args],
                              capture_output=True, text=True, timeout=120, check=True)

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)
            self.proc = None

    def __enter__(self) -> IsolatedCupsd:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def pcscd_env(daemon: IsolatedPcscd) -> Iterator[None]:
    """Point this process's libpcsclite at ``daemon`` (only effective before first use)."""
    old = os.environ.get("PCSCLITE_CSOCK_NAME")
    os.environ["PCSCLITE_CSOCK_NAME"] = str(daemon.socket_path)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PCSCLITE_CSOCK_NAME", None)
        else:
            os.environ["PCSCLITE_CSOCK_NAME"] = old


def insert_and_wait(card, reader, name: str, timeout: float = 5.0) -> None:
    """Insert the emulated card and wait until pcscd reports it present."""
    card.insert()
    assert reader.wait_for(name, True, timeout=timeout), "pcscd never saw the card"
