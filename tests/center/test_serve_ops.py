"""What district IT meets running `center serve`: the banner only once it answers (also
with --workers), `/` leading to the report pages, proxy headers trusted only from the
proxy, and `center supervisor` (add, reset-password, remove) with an honest lockout."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time

import httpx
import pytest

from shared.i18n import t
from tests.center.deployrig import log_in
from tests.sync.syncrig import Centre, free_port, make_centre_home

pytestmark = pytest.mark.daemon  # every test serves its own centre

PASSWORD = "long-enough-password"


def serve(centre: Centre, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "center", "serve", "--port",
                             str(centre.port), *args], env=centre.env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, cwd=centre.root)


def banner(proc: subprocess.Popen) -> list[str]:
    lines = []
    while len(lines) < 2:
        line = proc.stderr.readline()
        assert line, "exited: " + "".join(lines) + proc.stderr.read()
        lines.append(line.strip())
    return lines


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("workers", [1, 3])
def test_banner_comes_once_the_server_answers(tmp_path, workers) -> None:
    centre = Centre(make_centre_home(tmp_path / "c"), None)
    proc = serve(centre, "--workers", str(workers))
    try:
        lines = banner(proc)
        # No retry: the first request after the banner is answered.
        assert httpx.get(centre.url + "/healthz", timeout=30).status_code == 200
        url = f"http://127.0.0.1:{centre.port}"
        assert lines == [t("center.serving", url=url), t("center.serving_reports", url=url)]
        root = httpx.get(centre.url + "/", timeout=30)
        assert root.status_code == 302 and root.headers["location"] == "/reports"
        assert httpx.get(centre.url + "/", timeout=30, follow_redirects=True
                         ).url.path == "/reports/login"
    finally:
        stop(proc)


def test_no_banner_when_the_port_is_taken(tmp_path) -> None:
    centre = Centre(make_centre_home(tmp_path / "c"), None)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", centre.port))
        taken.listen(1)
        proc = serve(centre)
        _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert t("center.serving", url="") not in err


def _served(tmp_path, *args: str) -> tuple[Centre, subprocess.Popen]:
    centre = Centre(make_centre_home(tmp_path / "c"), None, port=free_port())
    out = centre.cli("supervisor", "add", "amy", "--password-stdin", input=PASSWORD + "\n")
    assert out.returncode == 0, out.stderr
    proc = serve(centre, *args)
    banner(proc)
    return centre, proc


@pytest.mark.parametrize("trusted", [True, False])
def test_forwarded_proto_is_trusted_only_from_the_proxy(tmp_path, trusted) -> None:
    args = () if trusted else ("--forwarded-allow-ips", "192.0.2.1")
    centre, proc = _served(tmp_path, *args)
    try:
        proxy = {"x-forwarded-proto": "https", "x-forwarded-for": "198.51.100.7"}
        with httpx.Client(base_url=centre.url, timeout=60) as http:
            resp = log_in(http, "amy", PASSWORD, headers=proxy)
        assert resp.status_code == 303
        assert ("secure" in resp.headers["set-cookie"].lower()) is trusted
    finally:
        stop(proc)


def lock_for(http: httpx.Client, at_least_s: int) -> None:
    """Wrong passwords until the account is locked for `at_least_s`; a shorter lock is
    waited out first."""
    for _ in range(20):
        resp = log_in(http, "amy", "not-the-password")
        found = re.search(r"(\d+) 秒", resp.text) if "锁定" in resp.text else None
        if found is None:
            continue
        if int(found.group(1)) >= at_least_s:
            return
        time.sleep(int(found.group(1)))  # the lock's own end, as a person would wait
    raise AssertionError("never locked")


def test_supervisor_commands_and_an_honest_lockout(tmp_path) -> None:
    centre, proc = _served(tmp_path)
    try:
        help_text = centre.cli("supervisor", "add", "--help").stdout
        assert "添加主管账号" in help_text and "--password-stdin" in help_text
        assert "重设" in centre.cli("supervisor", "--help").stdout
        again = centre.cli("supervisor", "add", "amy", "--password-stdin",
                           input=PASSWORD + "\n")
        assert again.returncode == 1 and "已存在" in again.stderr
        with httpx.Client(base_url=centre.url, timeout=60) as http:
            first = log_in(http, "amy", "not-the-password")
            assert t("reports.web_login_failed") in first.text
            lock_for(http, at_least_s=8)  # long enough to try the right one in time
            right = log_in(http, "amy", PASSWORD)  # locked now: refused, and told why
            assert right.status_code in (401, 429)
            assert t("reports.web_login_failed") not in right.text
            assert "锁定" in right.text and "即使密码正确" in right.text
            # An administrator's reset lifts the lock at once.
            out = centre.cli("supervisor", "reset-password", "amy", "--password-stdin",
                             input="a-brand-new-password\n")
            assert out.returncode == 0 and "amy" in out.stdout, out.stderr
        # From another computer (this address's own counter keeps counting its attempts).
        other = httpx.HTTPTransport(local_address="127.0.0.2")
        with httpx.Client(base_url=centre.url, timeout=60, transport=other) as http:
            assert log_in(http, "amy", PASSWORD).status_code == 401
            assert log_in(http, "amy", "a-brand-new-password").status_code == 303
            assert http.get("/reports").status_code == 200
        none = centre.cli("supervisor", "reset-password", "bob", "--password-stdin",
                          input="a-brand-new-password\n")
        assert none.returncode == 1 and "bob" in none.stderr
        assert centre.cli("supervisor", "remove", "amy").returncode == 0
        assert centre.cli("supervisor", "list").stdout.strip() == ""
        with httpx.Client(base_url=centre.url, timeout=60) as http:
            assert log_in(http, "amy", "a-brand-new-password").status_code == 401
    finally:
        stop(proc)
