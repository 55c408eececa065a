"""Supervisor login against a real `center serve` on SQLite and PostgreSQL: server-side
sessions, the attempt throttle under concurrency, CSRF tokens and security headers."""

from __future__ import annotations

import re
import threading

import httpx
import pytest

from shared.i18n import t
from tests.reports.helpers import SUPERVISOR

TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def served(centre):
    out = centre.cli("report", "supervisor", "add", SUPERVISOR[0], "--password-stdin",
                     input=SUPERVISOR[1] + "\n")
    assert out.returncode == 0, out.stderr
    return centre


def client(server) -> httpx.Client:
    return httpx.Client(base_url=server.url, follow_redirects=False, timeout=120)


def login_token(http: httpx.Client) -> str:
    page = http.get("/reports/login")
    assert page.status_code == 200
    return TOKEN.search(page.text).group(1)


def log_in(http: httpx.Client, user: str, password: str) -> httpx.Response:
    return http.post("/reports/login", data={"user": user, "password": password,
                                             "csrf": login_token(http)})


def page_token(http: httpx.Client) -> str:
    page = http.get("/reports")
    assert page.status_code == 200
    return TOKEN.search(page.text).group(1)


def test_logout_ends_the_session_at_the_server(served):
    with client(served) as http:
        assert log_in(http, *SUPERVISOR).status_code == 303
        stolen = http.cookies.get("report_session", path="/reports")
        token = page_token(http)
        # a logout without (or with a wrong) token is refused and ends nothing
        assert http.post("/reports/logout").status_code == 403
        assert http.post("/reports/logout", data={"csrf": "x" + token}).status_code == 403
        assert http.get("/reports").status_code == 200
        out = http.post("/reports/logout", data={"csrf": token})
        assert out.status_code == 303 and out.headers["location"] == "/reports/login"
    # the old cookie, replayed as an attacker would, no longer opens anything
    with client(served) as thief:
        thief.cookies.set("report_session", stolen, path="/reports")
        again = thief.get("/reports")
        assert again.status_code == 303 and again.headers["location"].startswith(
            "/reports/login")
        assert thief.get("/reports/report.pdf").status_code == 303
    store = served.store()
    try:
        with store.tx() as cur:
            cur.execute("SELECT COUNT(*) FROM report_sessions")
            assert cur.fetchone()[0] == 0
    finally:
        store.close()


def test_password_change_and_removal_end_sessions(served):
    with client(served) as http:
        assert log_in(http, *SUPERVISOR).status_code == 303
        assert http.get("/reports").status_code == 200
        out = served.cli("report", "supervisor", "reset-password", SUPERVISOR[0],
                         "--password-stdin", input="another long password\n")
        assert out.returncode == 0, out.stderr
        assert http.get("/reports").status_code == 303
        assert log_in(http, SUPERVISOR[0], "another long password").status_code == 303
        assert http.get("/reports").status_code == 200
        assert served.cli("report", "supervisor", "remove", SUPERVISOR[0]).returncode == 0
        assert http.get("/reports").status_code == 303


def test_thirty_concurrent_wrong_logins_are_each_counted(served):
    """The issue's attack: 30 wrong passwords at once. Each is counted, for the account
    and for the address; only the free tries get a password check; the rest are told
    the account or address is locked — and so is the right password afterwards."""
    n = 30
    clients = [client(served) for _ in range(n)]
    tokens = [login_token(c) for c in clients]
    start = threading.Barrier(n)
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        start.wait()
        resp = clients[i].post("/reports/login", data={
            "user": SUPERVISOR[0], "password": f"wrong guess {i}", "csrf": tokens[i]})
        with lock:
            answers.append(resp)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    try:
        assert len(answers) == n
        codes = sorted(a.status_code for a in answers)
        checked = codes.count(401)
        assert codes.count(429) == n - checked
        assert 1 <= checked <= 3  # the free tries; every later one waits
        for a in answers:
            assert "data-table" not in a.text and "report_session" not in a.headers.get(
                "set-cookie", "")
        store = served.store()
        try:
            from center.reports import sessions

            assert sessions.failures(store, "user", SUPERVISOR[0]) == n
            assert sessions.failures(store, "addr", "127.0.0.1") == n
        finally:
            store.close()
        # the right password during the lockout is told "locked", never "wrong"
        locked = log_in(clients[0], *SUPERVISOR)
        assert locked.status_code == 429
        assert t("reports.web_login_failed") not in locked.text
        assert "report_session" not in locked.headers.get("set-cookie", "")
    finally:
        for c in clients:
            c.close()


def test_unknown_and_known_names_answer_alike(served):
    with client(served) as a, client(served) as b:
        known = log_in(a, SUPERVISOR[0], "wrong password 1")
        unknown = log_in(b, "没有这个人", "wrong password 1")
        assert known.status_code == unknown.status_code == 401

        def text(r: httpx.Response) -> str:
            return TOKEN.sub("", r.text)

        assert text(known) == text(unknown)
        assert t("reports.web_login_failed") in known.text
        # locking works for names that do not exist too, with the same words
        for _ in range(3):
            log_in(b, "没有这个人", "wrong password 2")
            log_in(a, SUPERVISOR[0], "wrong password 2")
        k, u = log_in(a, SUPERVISOR[0], "x"), log_in(b, "没有这个人", "x")
        assert k.status_code == u.status_code == 429
        assert re.sub(r"\d+", "N", text(k)) == re.sub(r"\d+", "N", text(u))


def test_csrf_missing_or_wrong_is_403(served):
    with client(served) as http:
        http.get("/reports/login")
        data = {"user": SUPERVISOR[0], "password": SUPERVISOR[1]}
        assert http.post("/reports/login", data=data).status_code == 403
        assert http.post("/reports/login", data={**data, "csrf": "0" * 64}).status_code == 403
        # a token is bound to its browser's pre-login cookie, not reusable by another
        with client(served) as other:
            foreign = login_token(other)
        assert http.post("/reports/login", data={**data, "csrf": foreign}).status_code == 403
        assert http.get("/reports").status_code == 303  # no session came of any of it
        assert log_in(http, *SUPERVISOR).status_code == 303


def test_security_headers_on_every_answer(served):
    with client(served) as http:
        answers = [http.get("/healthz"), http.get("/openapi.json"), http.get("/reports"),
                   http.get("/reports/login"), http.get("/reports/style.css"),
                   http.get("/no/such/page"), http.post("/reports/login", data={})]
        log_in(http, *SUPERVISOR)
        answers += [http.get("/reports")]
    for resp in answers:
        csp = resp.headers.get("content-security-policy", "")
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, resp.url
        assert "'unsafe-inline'" not in csp and "script-src 'none'" in csp
        assert resp.headers.get("x-frame-options") == "DENY"
        assert resp.headers.get("referrer-policy") == "no-referrer"
        assert resp.headers.get("x-content-type-options") == "nosniff"
    page = answers[-1].text
    assert "<style" not in page and "<script" not in page and " style=" not in page
