"""The supervisors' report pages, served by the real `center serve`, in headless Chromium."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import httpx
import pytest
from PIL import Image

from shared.i18n import t
from tests.reports.cdp import Browser, chromium
from tests.reports.helpers import GREEN, SUPERVISOR, assert_no_personal, html_tables
from tests.reports.month import FIRST, LAST, Month
from tests.reports.test_centre_report import expected_rows
from tests.reports.test_login import login_token

pytestmark = pytest.mark.skipif(chromium() is None,
                                reason="chromium not installed (./install.sh --dev installs it)")

FILL = ("document.getElementById('user').value = {user};"
        "document.getElementById('password').value = {password};"
        "document.forms[0].submit();")


def login_js(user: str, password: str) -> str:
    return FILL.format(user=json.dumps(user), password=json.dumps(password))


def test_log_in_open_a_day_check_figures_screenshot(month: Month, tmp_path):
    run = month.station("徐汇-02")
    day = month.lost[0].day  # the day with the gap: the page must name the lost records
    base = month.centre.url
    browser = Browser(tmp_path / "profile")
    try:
        # one station is its detail: its days, each linking to the day page
        browser.open(f"{base}/reports?" + urlencode({"from": FIRST.isoformat(),
                                                      "to": LAST.isoformat(),
                                                      "station": run.station_id}))
        assert browser.js("location.pathname") == "/reports/login"
        assert "data-table" not in browser.dom()
        browser.submit(login_js(*SUPERVISOR))
        assert browser.js("location.pathname") == "/reports"
        overview = browser.dom()
        assert_no_personal(overview, month.personal(), "overview page")
        href = f"/reports/day/{day}?station={run.station_id}"
        assert f'href="{href}"' in overview
        # open the day as a supervisor would: follow the link in the table
        browser.submit(f"document.querySelector('a[href=\"{href}\"]').click()")
        assert browser.js("location.pathname") == f"/reports/day/{day}"
        html = browser.dom()
        tables = html_tables(html)
        header, *rows = tables["station_days"]
        assert [r[:2] for r in rows] == [[run.name, day]]
        exp = expected_rows(month)[run.name, day]
        cells = dict(zip(header, rows[0], strict=True))
        assert cells[t("reports.col_received")] == str(exp["received"])
        assert cells[t("reports.col_cases")] == str(exp["cases"])
        assert cells[t("reports.col_agrees")] == t("reports.no")
        differ = {r[3]: r for r in tables["reconcile_records"][1:]}
        for v in month.lost:
            assert differ[v.record_id][2] == t("reports.diff_missing_at_centre")
        # lines and coverage; a single day draws no one-point trend
        assert html.count("<svg") == 2 and 'data-chart="coverage"' in html
        assert 'data-chart="cases_per_day"' not in html
        assert "<script" not in html.lower()
        assert_no_personal(html, month.personal(), "day page")
        shot = tmp_path / "day.png"
        browser.screenshot(shot)
        img = Image.open(shot).convert("RGB")
        assert img.width >= 1000 and len(img.getcolors(1 << 24)) > 50  # not a blank page
        raw = img.tobytes()
        green = sum(1 for i in range(0, len(raw), 3)
                    if all(abs(raw[i + k] - GREEN[k]) <= 30 for k in range(3)))
        assert green > 500  # the coverage chart was drawn
    finally:
        browser.close()


def test_wrong_password_gets_no_data(month: Month, tmp_path):
    base = month.centre.url
    browser = Browser(tmp_path / "profile")
    try:
        browser.open(f"{base}/reports/login")
        browser.submit(login_js(SUPERVISOR[0], "not the password"))
        html = browser.dom()
        assert t("reports.web_login_failed") in html
        assert "data-table" not in html and "<svg" not in html
        browser.open(f"{base}/reports/day/{FIRST.isoformat()}")
        assert browser.js("location.pathname") == "/reports/login"
        assert "data-table" not in browser.dom()
    finally:
        browser.close()
    # and without a browser: no cookie, a wrong password or a forged cookie show nothing
    with httpx.Client(base_url=base, follow_redirects=False, timeout=120) as http:
        page = http.get(f"/reports/day/{FIRST.isoformat()}")
        assert page.status_code == 303 and page.headers["location"].startswith("/reports/login")
        assert http.post("/reports/login", data={"user": SUPERVISOR[0], "password": "nope"}
                         ).status_code == 403  # no CSRF token (test_login.py has the rest)
        bad = http.post("/reports/login", data={"user": SUPERVISOR[0], "password": "nope",
                                                "csrf": login_token(http)})
        assert bad.status_code == 401 and "report_session" not in bad.headers.get(
            "set-cookie", "")
        assert "data-table" not in bad.text
        http.cookies.set("report_session", "bWFsbG9yeQ.00", path="/reports")
        assert http.get("/reports").status_code == 303
        assert http.get("/reports/report.pdf").status_code == 303
        http.cookies.clear()  # the forged cookie would shadow the real one
        good = http.post("/reports/login", data={"user": SUPERVISOR[0],
                                                 "password": SUPERVISOR[1],
                                                 "csrf": login_token(http)})
        assert good.status_code == 303 and "report_session" in good.headers["set-cookie"]
        assert "HttpOnly" in good.headers["set-cookie"]
        pdf = http.get("/reports/report.pdf", params={"from": FIRST.isoformat(),
                                                      "to": LAST.isoformat()})
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
