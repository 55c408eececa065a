"""The nginx snippet of docs/deploy-centre.md, run by a real nginx in front of `center
serve`: stations enrol and sync through it, and the centre honours its
X-Forwarded-Proto (the report login's cookie is marked Secure) — from the proxy only.

The snippet is taken from the doc and changed only in its paths and ports.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import ssl
import subprocess

import httpx
import pytest

from station.sync.enrol import enrol, seal_existing
from tests.center.deployrig import DOC, log_in, make_ca_and_server, wait_until
from tests.sync.syncrig import (
    Centre,
    add_cases,
    assert_exactly_once,
    client_for,
    free_port,
    make_centre_home,
    make_station,
)

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = [pytest.mark.daemon,
              pytest.mark.skipif(not os.path.exists(NGINX),
                                 reason="nginx not installed (./install.sh --dev installs it)")]


def nginx_snippet() -> str:
    found = re.search(r"```nginx\n(.*?)```", DOC.read_text("utf-8"), re.S)
    assert found, "no nginx block in docs/deploy-centre.md"
    return found.group(1)


def _answers(url: str, ctx: ssl.SSLContext) -> bool:
    try:
        return httpx.get(url, verify=ctx, timeout=30).status_code == 200
    except httpx.HTTPError:
        return False


def test_stations_and_supervisors_through_the_documented_nginx(tmp_path) -> None:
    centre = Centre(make_centre_home(tmp_path / "centre"), None, port=free_port())
    centre.start()
    tls = tmp_path / "tls"
    ca = make_ca_and_server(tls)
    port = free_port()
    server = (nginx_snippet().replace("/etc/liudong-center/tls/", f"{tls}/")
              .replace("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;")
              .replace("http://127.0.0.1:8080", f"http://127.0.0.1:{centre.port}"))
    for sub in ("body", "proxy"):
        (tmp_path / sub).mkdir()
    conf = tmp_path / "nginx.conf"
    # Workers as the test's user: they write request bodies into this test's folder.
    user = "user root root;" if os.geteuid() == 0 else ""
    conf.write_text(f"""daemon off; worker_processes 1; pid {tmp_path}/nginx.pid; {user}
error_log {tmp_path}/error.log;
events {{}}
http {{
  access_log off;
  client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;
{server}
}}
""")
    proc = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(tmp_path)],
                            stderr=subprocess.PIPE, text=True)
    url = f"https://127.0.0.1:{port}"
    ctx = ssl.create_default_context(cafile=str(ca))
    try:
        assert wait_until(lambda: proc.poll() is not None or _answers(url + "/healthz", ctx))
        assert proc.poll() is None, proc.stderr.read()
        # A station enrols through nginx, pinning the certificate nginx shows.
        queue = make_station("长宁-01")
        leaf = ssl.PEM_cert_to_DER_cert((tls / "fullchain.pem").read_text().split(
            "-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n")
        out = centre.cli("enroll", "--station", "长宁-01")
        assert out.returncode == 0, out.stderr
        done = enrol(url, out.stdout.strip().splitlines()[-1],
                     expect_fingerprint=hashlib.sha256(leaf).hexdigest())
        seal_existing(queue, done.pinned)
        add_cases(queue, 120)
        client = client_for(queue, batch_size=50)
        try:
            state = client.run_once()
        finally:
            client.close()
        assert state.last_error is None and state.pushed == 120
        assert_exactly_once(centre, queue, 120)
        # Supervisors: https at nginx, so the session cookie is Secure at the centre.
        added = centre.cli("supervisor", "add", "amy", "--password-stdin",
                           input="long-enough-password\n")
        assert added.returncode == 0, added.stderr
        with httpx.Client(base_url=url, verify=ctx, timeout=60) as http:
            assert http.get("/").headers["location"] == "/reports"
            signed_in = log_in(http, "amy", "long-enough-password")
            assert signed_in.status_code == 303
            assert "secure" in signed_in.headers["set-cookie"].lower()
            assert http.get("/reports").status_code == 200
    finally:
        proc.terminate()
        proc.wait(30)
        centre.stop()
