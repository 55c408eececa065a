"""A case worker's day in headless Chromium, against the real `center serve` and a real
station: login, inbox, case page, 退回 with a reason, the station's pull, the resident's
amendment, 办结 — with the resident's progress page checked at phone width after each
step, and the access records checked against every case page the test opened."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from PIL import Image

from shared.i18n import t
from tests.backoffice.officerig import CASEWORKER, RESIDENT, Office, personal
from tests.reports.cdp import Browser, chromium

pytestmark = pytest.mark.skipif(chromium() is None,
                                reason="chromium not installed (./install.sh --dev installs it)")

PHONE = (390, 844)
DESKTOP = (1280, 1600)


def login_js(user: str, password: str) -> str:
    return (f"document.getElementById('user').value = {json.dumps(user)};"
            f"document.getElementById('password').value = {json.dumps(password)};"
            "document.forms[0].submit();")


def visible_text(browser: Browser) -> str:
    return browser.js("document.body.innerText")


class Walk:
    """The browser plus a count of the case pages it opened (for the access records)."""

    def __init__(self, office: Office, browser: Browser, shots: Path) -> None:
        self.office, self.browser, self.shots = office, browser, shots
        self.case_pages = 0
        self.step = 0

    def path(self) -> str:
        return self.browser.js("location.pathname")

    def counted(self) -> None:
        if re.fullmatch(r"/office/case/[0-9a-f-]+", self.path()):
            self.case_pages += 1

    def submit(self, expression: str) -> None:
        self.browser.submit(expression)
        self.counted()

    def open(self, url: str) -> None:
        self.browser.open(url)
        self.counted()

    def progress(self, token: str) -> str:
        """The resident's page on a phone: its text, after checking the screenshot's size
        and that neither the text nor the markup holds the resident's data."""
        self.step += 1
        b = self.browser
        b.call("Emulation.setDeviceMetricsOverride", width=PHONE[0], height=PHONE[1],
               deviceScaleFactor=1, mobile=True)
        try:
            b.open(f"{self.office.centre.url}/q/{token}")
            text, html = visible_text(b), b.dom()
            for value in personal():
                assert value not in text and value not in html, f"step {self.step}"
            # readable on a phone: no sideways scrolling, large body text
            assert b.js("document.documentElement.scrollWidth") <= PHONE[0]
            assert float(b.js("parseFloat(getComputedStyle(document.body).fontSize)")) >= 20
            shot = self.shots / f"progress-{self.step}.png"
            b.screenshot(shot)
            with Image.open(shot) as img:
                assert img.size[0] == PHONE[0] and img.size[1] >= PHONE[1]
        finally:
            b.call("Emulation.clearDeviceMetricsOverride")
        return text


def test_case_worker_returns_then_completes_a_case(office: Office, tmp_path):
    case = office.record(delivery="post")
    token = case.progress_token
    assert len(token) >= 22  # ≥ 128 bits of secrets.token_urlsafe
    base = office.centre.url
    browser = Browser(tmp_path / "profile")
    walk = Walk(office, browser, tmp_path)
    try:
        assert t("office.q_status_accepted") in walk.progress(token)

        # login: the inbox asks for it, and comes back after
        walk.open(f"{base}/office")
        assert walk.path() == "/reports/login"
        walk.submit(login_js(*CASEWORKER))
        assert walk.path() == "/office"
        inbox = browser.dom()
        assert browser.js("document.querySelector('a.skip').getAttribute('href')") == "#main"
        assert browser.js("document.querySelectorAll('h1').length") == 1
        assert browser.js("[...document.querySelectorAll('select,input:not([type=hidden])')]"
                          ".every(el => el.labels && el.labels.length > 0)")
        assert browser.js("[...document.querySelectorAll('table th')]"
                          ".every(th => th.getAttribute('scope'))")
        assert case.case_no in inbox and t("office.new_mark") in visible_text(browser)
        assert RESIDENT["name"] not in inbox and RESIDENT["id"] not in inbox

        # the case page, by following the link in the inbox
        link = f"/office/case/{case.record_id}"
        walk.submit(f"document.querySelector('a[href=\"{link}\"]').click()")
        assert walk.path() == link
        text = visible_text(browser)
        for value in (RESIDENT["name"], RESIDENT["id"], RESIDENT["phone"], RESIDENT["address"],
                      "津贴发放方式", "社保卡（敬老卡）", "本人居民身份证",
                      t("office.delivery_post"), t("office.reason_first")):
            assert value in text, value
        for value in personal():
            assert value not in browser.js("location.href")

        # 退回 with a reason and the material still needed
        reason = "申请登记表未签字，请本人签字后补交"
        walk.submit("document.getElementById('return-note').value = "
                    f"{json.dumps(reason)};"
                    "document.querySelector('input[name=needed][value=form]').checked = true;"
                    "document.getElementById('act-returned').click();")
        assert walk.path() == link
        text = visible_text(browser)
        assert t("office.moved", status=t("office.status_returned")) in text
        assert reason in text and t("office.returned_waits") in text

        # the station's pull: its case shows 退回 with the reason and what to bring
        office.sync()
        with office.at_station() as s:
            answer = s.centre_status(s.open_case(case.case_no))
        assert answer.status == "returned" and answer.note == reason
        assert answer.needed == ("上海市敬老卡（老年综合津贴）申请登记表",)
        shown = walk.progress(token)
        assert t("office.q_status_returned") in shown and "申请登记表" in shown
        assert reason not in shown  # the worker's words may name the resident

        # the resident comes back: the station amends and syncs
        with office.at_station() as s:
            s.amend(case.case_no, reason="已补交签字的登记表", materials={"id", "form"})
            assert s.sync_once() is None
        assert t("office.q_status_reviewing") in walk.progress(token)
        walk.open(f"{base}{link}")
        text = visible_text(browser)
        assert "已补交签字的登记表" in text and t("office.reason_amend") in text

        # 办结, posted to the resident
        walk.submit("document.querySelector('input[name=delivery][value=post]').checked = true;"
                    "document.getElementById('act-done').click();")
        assert t("office.moved", status=t("office.status_done")) in visible_text(browser)
        office.sync()
        with office.at_station() as s:
            assert s.centre_status(s.open_case(case.case_no)).status == "done"
        shown = walk.progress(token)
        assert t("office.q_status_done") in shown and t("office.q_how_post") in shown
    finally:
        browser.close()

    # every case page this test opened is in the access records, and nothing else is
    from center.backoffice import access

    store = office.store()
    try:
        views = [a for a in access.records(store) if a.action == "view"]
    finally:
        store.close()
    assert walk.case_pages == 4
    assert len(views) == walk.case_pages
    assert {(a.actor, a.case_id, a.case_no) for a in views} == {
        ("web:" + CASEWORKER[0], case.record_id, case.case_no)}
