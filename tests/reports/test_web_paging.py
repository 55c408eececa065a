"""The report pages at district scale: summary first, paging, strict filters, no script."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
import pytest

from shared.i18n import t
from tests.reports.helpers import SUPERVISOR, html_tables
from tests.reports.month import FIRST, LAST, TODAY, Month
from tests.reports.test_centre_report import centre_report
from tests.reports.test_login import TOKEN

PERIOD = {"from": FIRST.isoformat(), "to": LAST.isoformat()}


@pytest.fixture
def client(month: Month):
    with httpx.Client(base_url=month.centre.url, timeout=60) as c:
        token = TOKEN.search(c.get("/reports/login").text).group(1)  # the login's CSRF token
        r = c.post("/reports/login", data={"user": SUPERVISOR[0], "password": SUPERVISOR[1],
                                           "csrf": token, "next": "/reports"})
        assert r.status_code == 303, r.text
        yield c


def get(client: httpx.Client, path: str, **params: str) -> httpx.Response:
    return client.get(path + ("?" + urlencode(params) if params else ""))


def test_overview_is_the_summary_and_links_to_stations(client: httpx.Client, month: Month):
    r = get(client, "/reports", **PERIOD)
    assert r.status_code == 200
    tables = html_tables(r.text)
    assert "station_days" not in tables and "exceptions" in tables
    assert "<script" not in r.text.lower()
    run = month.station("徐汇-02")  # it has the gap: listed, and linked to its detail
    href = "/reports?" + urlencode({**PERIOD, "station": run.station_id})
    assert f'href="{href.replace("&", "&amp;")}"' in r.text
    assert t("reports.web_detail") in r.text


def test_detail_pages_through_the_station_days(client: httpx.Client, month: Month):
    first = html_tables(get(client, "/reports", **PERIOD, detail="1").text)["station_days"]
    second_page = get(client, "/reports", **PERIOD, detail="1", page="2")
    second = html_tables(second_page.text)["station_days"]
    expected = {(r["name"], r["day"]) for r in __import__("json").loads(
        centre_report(month, "--from", FIRST.isoformat(), "--to", LAST.isoformat(),
                      "--today", TODAY.isoformat(), "--format", "json").stdout)["rows"]}
    assert len(first) - 1 == 50  # a page holds 50 rows (+ header)
    rows = []
    page = 1
    while True:
        r = get(client, "/reports", **PERIOD, detail="1", page=str(page))
        if r.status_code == 400:
            break
        # other lists of the page may run longer: past its end a list shows as empty
        rows += [tuple(x[:2]) for x in html_tables(r.text).get("station_days", [[]])[1:]]
        page += 1
    assert set(rows) == expected and len(rows) == len(expected)  # every row once
    assert second[1] != first[1]
    assert 'rel="next"' in get(client, "/reports", **PERIOD, detail="1").text
    assert 'rel="prev"' in second_page.text


def test_filters_narrow_the_figures(client: httpx.Client, month: Month):
    def cases(**q: str) -> int:
        r = get(client, "/reports", **PERIOD, detail="1", **q)
        assert r.status_code == 200, r.text
        total = 0
        page = 1
        while True:
            tables = html_tables(r.text)
            if "station_days" in tables:
                head, *rows = tables["station_days"]
                i = head.index(t("reports.col_cases"))
                total += sum(int(x[i]) for x in rows)
            page += 1
            r = get(client, "/reports", **PERIOD, detail="1", page=str(page), **q)
            if r.status_code != 200:
                return total

    everything = cases()
    by_line = {line: cases(line=line) for line in ("MZ", "RS", "SB", "YB", "WJ", "CL",
                                                   "ZF", "TY")}
    assert sum(by_line.values()) == everything and all(by_line.values())
    expected_mz = sum(1 for run in month.stations
                      for v in month.latest(run.name, at_centre=True).values()
                      if v.kind == "case" and v.meta.get("line") == "MZ")
    assert by_line["MZ"] == expected_mz
    statuses = sum(cases(status=s) for s in ("accepted", "reviewing", "done", "returned"))
    assert statuses == everything
    matter = next(v.meta["matter"] for v in month.ledger if v.kind == "case")
    assert 0 < cases(matter=matter) < everything


@pytest.mark.parametrize("query", [
    {"line": "XX"}, {"matter": "NOPE1"}, {"status": "lost"}, {"page": "0"},
    {"page": "abc"}, {"page": "999"}, {"detail": "yes"}, {"colour": "red"},
    {"from": "2026-13-01"},
])
def test_bad_parameters_are_refused_in_words(client: httpx.Client, query: dict[str, str]):
    r = get(client, "/reports", **{**PERIOD, "detail": "1", **query})
    assert r.status_code == 400
    assert "<script" not in r.text.lower()
    name = next(iter(query))
    assert name in r.text or t("reports.bad_date", value=query.get("from", ""))[:6] in r.text


def test_repeated_parameter_is_refused(client: httpx.Client):
    r = client.get("/reports?line=MZ&line=RS")
    assert r.status_code == 400 and "line" in r.text


def test_summary_pdf_and_detail_pdf(client: httpx.Client, tmp_path):
    from tests.reports.test_pdf_layout import assert_filled, pages

    summary = get(client, "/reports/report.pdf", **PERIOD)
    detail = get(client, "/reports/report.pdf", **PERIOD, detail="1")
    assert summary.status_code == detail.status_code == 200
    (tmp_path / "s.pdf").write_bytes(summary.content)
    (tmp_path / "d.pdf").write_bytes(detail.content)
    assert assert_filled(tmp_path / "s.pdf") <= 6
    assert assert_filled(tmp_path / "d.pdf") > len(pages(tmp_path / "s.pdf"))
