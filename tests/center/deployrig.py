"""Rig for the deployment tests: the doc's steps, a Debian-like PostgreSQL, a test CA.

The PostgreSQL cluster is set up as Debian's `pg_createcluster` leaves it
(/etc/postgresql/15/main/pg_hba.conf: `local all postgres peer`, `host all all
127.0.0.1/32 scram-sha-256`), so the doc's `runuser -u postgres -- psql` and its
password DSN are tested as district IT will run them. The certificates come from the
`cryptography` library's X.509 builder (https://cryptography.io/en/latest/x509/
tutorial/#creating-a-ca-hierarchy), a CA and a server certificate it issued.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, suppress
from pathlib import Path

from tests.sync.syncrig import PG_BIN, ROOT, free_port

DOC = ROOT / "docs" / "deploy-centre.md"
UNIT = ROOT / "deploy" / "center.service"
CENTER_BIN = Path(sys.executable).parent / "center"
STEP_RE = re.compile(r"```sh\n# step: ([a-z-]+)\n(.*?)```", re.S)
SUPERVISOR = ("王主管", "supervisor-password-1")


def doc_steps() -> dict[str, str]:
    """`# step: NAME` shell blocks of docs/deploy-centre.md, by name, in order."""
    steps: dict[str, str] = {}
    for name, body in STEP_RE.findall(DOC.read_text("utf-8")):
        assert name not in steps, f"step {name} twice"
        steps[name] = body
    return steps


class DebianPostgres:
    """A throw-away cluster with Debian's authentication: peer on the socket, SCRAM on TCP."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="pgdeploy-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        self.port = free_port()
        self._as_postgres(PG_BIN / "initdb", "-D", self.data, "-U", "postgres",
                          "--auth-local=peer", "--auth-host=scram-sha-256", "--no-sync",
                          "-E", "UTF8")
        self.start()

    def _as_postgres(self, *args: object) -> subprocess.CompletedProcess:
        return subprocess.run(["runuser", "-u", "postgres", "--", *map(str, args)],
                              check=True, capture_output=True, text=True, cwd=self.dir)

    def start(self) -> None:
        opts = (f"-c listen_addresses=127.0.0.1 -p {self.port}"
                f" -c unix_socket_directories={self.dir} -c fsync=off")
        self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-o", opts, "-w", "-l",
                          self.dir / "log", "start")

    def stop(self) -> None:
        with suppress(subprocess.CalledProcessError):
            self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def env(self) -> dict[str, str]:
        """What `psql`, `dropdb`, `createdb` need to find this cluster's socket."""
        return {"PGHOST": str(self.dir), "PGPORT": str(self.port),
                "PATH": f"{PG_BIN}{os.pathsep}{os.environ['PATH']}"}

    def psql(self, sql: str) -> str:
        out = subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "psql"),
                              "-v", "ON_ERROR_STOP=1", "-Atc", sql],
                             env=dict(os.environ, **self.env()), capture_output=True,
                             text=True, cwd=self.dir, check=True)
        return out.stdout

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Deployment:
    """One centre set up by the doc's steps in `root`, with test paths in `settings`."""

    def __init__(self, root: Path, pg: DebianPostgres) -> None:
        self.root, self.pg = root, pg
        self.etc, self.home, self.backup = root / "etc", root / "home", root / "backup"
        self.steps = doc_steps()
        self.settings = "\n".join([
            f"CENTRE_USER={os.environ.get('USER') or 'root'}",  # no system account made
            f"CENTRE_ETC={self.etc}", f"CENTRE_HOME={self.home}",
            f"CENTRE_BACKUP={self.backup}", "DB_HOST=127.0.0.1", f"DB_PORT={pg.port}"])
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        env = dict(os.environ, **self.pg.env())
        env["PATH"] = f"{CENTER_BIN.parent}{os.pathsep}{env['PATH']}"
        env["CENTER_SUPERVISOR_PASSWORD"] = SUPERVISOR[1]  # `center supervisor add` asks
        for key in ("CENTER_DB", "CENTER_HOME", "CENTER_PASSPHRASE"):
            env.pop(key, None)
        return env

    def run(self, step: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
        """A doc step word for word, after the test's settings, as `bash -euo pipefail`."""
        script = self.settings + "\n" + self.steps[step]
        out = subprocess.run(["bash", "-euo", "pipefail", "-c", script], env=self.env(),
                             cwd=cwd or self.root, capture_output=True, text=True,
                             timeout=300)
        assert out.returncode == 0, f"step {step}: {out.stderr}"
        return out

    def center_env(self) -> dict[str, str]:
        """The service's environment: only what its EnvironmentFile gives (and PATH)."""
        env = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8"}
        for line in (self.etc / "center.env").read_text().splitlines():
            key, _, value = line.partition("=")
            env[key] = value
        return env

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(CENTER_BIN), *args], env=self.center_env(),
                              capture_output=True, text=True, timeout=120, cwd="/")

    def unit_text(self) -> str:
        """deploy/center.service with this deployment's paths, port and user."""
        user = os.environ.get("USER") or "root"
        return (UNIT.read_text("utf-8")
                .replace("/etc/liudong-center", str(self.etc))
                .replace("/var/lib/liudong-center", str(self.home))
                .replace("/usr/local/bin/center", str(CENTER_BIN))
                .replace("User=liudong-center", f"User={user}")
                .replace("Group=liudong-center", f"Group={user}")
                .replace("--port 8443", f"--port {self.port}"))

    def start(self) -> list[str]:
        """Run the unit's ExecStart as systemd would; returns the banner lines, which
        must come only once the server answers."""
        import httpx

        fields = dict(line.split("=", 1) for line in self.unit_text().splitlines()
                      if "=" in line and not line.startswith("#"))
        stdin = open(fields["StandardInput"].removeprefix("file:"), "rb")  # noqa: SIM115
        self.proc = subprocess.Popen(shlex.split(fields["ExecStart"]), env=self.center_env(),
                                     stdin=stdin, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, cwd="/",
                                     start_new_session=True)
        stdin.close()
        banner: list[str] = []
        while len(banner) < 2:
            line = self.proc.stderr.readline()
            assert line, "centre exited: " + "".join(banner) + self.proc.stderr.read()
            banner.append(line.strip())
        # Printed ⇒ answering: the very first request must succeed, no retry.
        resp = httpx.get(f"https://127.0.0.1:{self.port}/healthz", verify=False, timeout=60)
        assert resp.status_code == 200
        return banner

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None


def make_ca_and_server(folder: Path) -> Path:
    """A test CA (ca.pem) and a server certificate it issued for localhost/127.0.0.1
    (fullchain.pem = server then CA, privkey.pem); returns the CA file."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "区数据中心测试 CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(days=1))
          .not_valid_after(now + dt.timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, key_cert_sign=True, crl_sign=True,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=825))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "fullchain.pem").write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    (folder / "privkey.pem").write_bytes(key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    return folder / "ca.pem"


def hidden_inputs(html: str) -> dict[str, str]:
    """The login form's hidden fields (next, and a CSRF token where the form has one)."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        if 'type="hidden"' in tag:
            name = re.search(r'name="([^"]*)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name:
                fields[name.group(1)] = value.group(1) if value else ""
    return fields


def log_in(http, user: str, password: str, headers: dict[str, str] | None = None):
    """Sign in through the real form (GET it first: it carries a CSRF token tied to a
    pre-login cookie). Behind a TLS proxy (`headers` say https) that cookie is marked
    Secure, which a plain-HTTP test client withholds, so it is sent back by hand."""
    form = http.get("/reports/login", headers=headers)
    assert form.status_code == 200
    data = hidden_inputs(form.text) | {"user": user, "password": password}
    if headers and form.cookies:
        cookie = "; ".join(f"{k}={v}" for k, v in form.cookies.items())
        headers = {**headers, "cookie": cookie}
    return http.post("/reports/login", data=data, headers=headers)


@contextmanager
def station_home(home: Path):
    """Several stations in one test: each its own STATION_HOME while it acts."""
    old = os.environ.get("STATION_HOME")
    os.environ["STATION_HOME"] = str(home)
    try:
        yield
    finally:
        os.environ["STATION_HOME"] = old or ""


def wait_until(condition, timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()
