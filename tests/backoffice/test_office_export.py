"""The web export at a real centre (SQLite and PostgreSQL): who may download it, what
the download is (the same bytes `center case export` writes), and the access records
behind it."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta

from center.export import csv_value
from shared.i18n import t
from tests.backoffice.officerig import ADMIN, CASEWORKER, RESIDENT, SUPERVISOR, TOKEN, Office

FILENAME = re.compile(r'^attachment; filename="cases-since-\d{8}-at-\d{8}-\d{6}'
                      r'\.(jsonl|csv|xlsx)"$')
REASON = "区系统导入 12月"


def csrf_of(html: str) -> str:
    return TOKEN.search(html).group(1)


def exports(office: Office) -> list[tuple]:
    store = office.store()
    try:
        return [r for r in store.access_records(10_000) if r[2] == "export"]
    finally:
        store.close()


def test_supervisor_is_refused_the_export(office: Office):
    case = office.record()
    with office.client() as sup:
        office.login(sup, SUPERVISOR)
        r = sup.get("/office/export")
        assert r.status_code == 403 and 'action="/office/export"' not in r.text
        assert "/office/export" not in sup.get("/reports").text  # not offered either
        token = csrf_of(sup.get("/reports").text)
        r = sup.post("/office/export", data={"csrf": token, "since": date.today().isoformat(),
                                              "format": "jsonl", "reason": REASON})
        assert r.status_code == 403 and RESIDENT["name"] not in r.text
        assert case.case_no not in r.text and "content-disposition" not in r.headers
    with office.client() as nobody:  # no session: the login, nothing opened
        r = nobody.post("/office/export", data={"since": date.today().isoformat(),
                                                "format": "csv", "reason": REASON})
        assert r.status_code in (302, 303) and "/reports/login" in r.headers["location"]
    assert exports(office) == []


def test_case_worker_downloads_each_format_and_it_round_trips(office: Office, tmp_path):
    case = office.record()
    rid = case.record_id
    today = date.today().isoformat()
    with office.client() as worker:
        office.login(worker, CASEWORKER)
        inbox = worker.get("/office")
        assert 'href="/office/export"' in inbox.text  # linked from the inbox
        form = worker.get("/office/export")
        assert form.status_code == 200 and form.headers["cache-control"] == "no-store"
        assert "<script" not in form.text and 'method="post"' in form.text
        for field in ("export-since", "export-reason", "export-jsonl", "export-csv",
                      "export-xlsx"):
            assert f'<label for="{field}">' in form.text, field
        assert "<legend>" in form.text and 'id="main"' in form.text
        token = csrf_of(form.text)

        # No CSRF token: nothing exported, nothing recorded.
        r = worker.post("/office/export", data={"since": today, "format": "csv",
                                                "reason": REASON})
        assert r.status_code == 403 and "content-disposition" not in r.headers
        assert exports(office) == []

        # Bad input: a clear message, the form again, nothing recorded.
        tomorrow = (date.today() + timedelta(days=1)).isoformat()
        for data, key in (({"since": today, "format": "csv", "reason": "  "},
                           "office.export_no_reason"),
                          ({"since": "12/01/2026", "format": "csv", "reason": REASON},
                           "office.export_bad_date"),
                          ({"since": "1999-12-31", "format": "csv", "reason": REASON},
                           "office.export_bad_date"),
                          ({"since": tomorrow, "format": "csv", "reason": REASON},
                           "office.export_future"),
                          ({"since": today, "format": "pdf", "reason": REASON},
                           "office.export_bad_format")):
            r = worker.post("/office/export", data={"csrf": token, **data})
            assert r.status_code == 400 and t(key) in r.text, key
            assert 'role="alert"' in r.text and "content-disposition" not in r.headers
            assert "Traceback" not in r.text
        assert exports(office) == []

        got = {}
        for fmt, ctype in (("jsonl", "application/jsonl"), ("csv", "text/csv"),
                           ("xlsx", "application/vnd.openxmlformats-officedocument"
                                    ".spreadsheetml.sheet")):
            r = worker.post("/office/export", data={"csrf": token, "since": today,
                                                    "format": fmt, "reason": REASON})
            assert r.status_code == 200, r.text
            assert r.headers["content-type"].split(";")[0] == ctype
            assert r.headers["cache-control"] == "no-store"
            disposition = r.headers["content-disposition"]
            assert FILENAME.match(disposition) and disposition.endswith(f'.{fmt}"')
            for value in (RESIDENT["name"], RESIDENT["id"], RESIDENT["phone"], case.case_no):
                assert value not in str(r.headers), value
            got[fmt] = r.content

    # JSON lines: one typed case with the resident as the station recorded them.
    docs = [json.loads(line) for line in got["jsonl"].decode("utf-8").splitlines()]
    assert [d["record_id"] for d in docs] == [rid]
    doc = docs[0]
    assert doc["case_no"] == case.case_no and doc["matter"] == "MZ01"
    assert (doc["resident"]["name"], doc["resident"]["id_number"], doc["resident"]["phone"],
            doc["resident"]["address"]) == (RESIDENT["name"], RESIDENT["id"],
                                            RESIDENT["phone"], RESIDENT["address"])
    # CSV: UTF-8 with a BOM, CRLF rows, the ID number kept as text for Excel.
    raw = got["csv"]
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\n") == raw.count(b"\r\n")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert [r["record_id"] for r in rows] == [rid]
    assert csv_value(rows[0]["resident_id_number"]) == RESIDENT["id"]
    assert rows[0]["resident_name"] == RESIDENT["name"]
    assert rows[0]["answer.address"] == RESIDENT["address"]
    # XLSX: read back with openpyxl.
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(got["xlsx"]), read_only=True)
    lines = list(wb["cases"].iter_rows(values_only=True))
    head = dict(zip(lines[0], lines[1], strict=False))
    assert head["record_id"] == rid and head["resident_id_number"] == RESIDENT["id"]
    assert head["resident_name"] == RESIDENT["name"]
    assert len(list(wb["versions"].iter_rows(values_only=True))) == 2  # head + v1
    wb.close()

    # The same writer as `center case export`: the CLI's file has the same bytes.
    out = tmp_path / "cli.csv"
    res = office.centre.cli("case", "export", "--since", today, "--format", "csv",
                            "--output", str(out), "--reason", "对照")
    assert res.returncode == 0, res.stderr
    assert out.read_bytes() == got["csv"]

    # Each download recorded per case, by the web account, with its reason.
    web = [r for r in exports(office) if r[1].startswith("web:")]
    assert len(web) == 3
    assert {(r[1], r[3], r[4]) for r in web} == {(f"web:{CASEWORKER[0]}", rid, REASON)}


def test_admin_may_export_and_supervisors_see_the_count(office: Office):
    office.record()
    with office.client() as admin:
        office.login(admin, ADMIN)
        form = admin.get("/office/export")
        assert form.status_code == 200 and 'href="/office/export"' in admin.get("/admin").text
        r = admin.post("/office/export", data={"csrf": csrf_of(form.text), "format": "jsonl",
                                               "since": date.today().isoformat(),
                                               "reason": REASON})
        assert r.status_code == 200 and RESIDENT["id"] in r.text
    with office.client() as sup:
        office.login(sup, SUPERVISOR)
        cells = re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", sup.get("/reports/access").text)
        row = cells[cells.index(ADMIN[0]):][:6]
        # view, print, lookup, export, export_api
        assert row == [ADMIN[0], "0", "0", "0", "1", "0"], row
