"""Roles at the real centre: what each account may open, the printed case file, the
phone lookup, CSRF on the actions, and the access records behind every look."""

from __future__ import annotations

import re
import subprocess

from shared.i18n import t
from tests.backoffice.officerig import ADMIN, CASEWORKER, RESIDENT, SUPERVISOR, TOKEN, Office


def csrf_of(html: str) -> str:
    return TOKEN.search(html).group(1)


def test_each_role_opens_only_its_own_pages(office: Office, tmp_path):
    case = office.record(delivery="centre")
    rid = case.record_id
    case_pages = [f"/office/case/{rid}", f"/office/case/{rid}/file.pdf", "/office",
                  "/office/lookup"]
    with office.client() as sup:
        assert office.login(sup, SUPERVISOR).headers["location"] == "/reports"
        for path in [*case_pages, "/admin"]:
            r = sup.get(path)
            assert r.status_code == 403, path
            assert RESIDENT["name"] not in r.text and case.case_no not in r.text
        token = csrf_of(sup.get("/reports").text)
        r = sup.post("/office/lookup", data={"csrf": token, "case_no": case.case_no,
                                             "id4": RESIDENT["id"][-4:]})
        assert r.status_code == 403 and RESIDENT["name"] not in r.text
        r = sup.post(f"/office/case/{rid}/status", data={"csrf": token, "status": "reviewing"})
        assert r.status_code == 403
        # the export endpoint takes integration keys only: a session opens nothing there
        r = sup.get("/v1/export")
        assert r.status_code == 401 and RESIDENT["name"] not in r.text

    with office.client() as worker:
        assert office.login(worker, CASEWORKER).headers["location"] == "/office"
        assert worker.get("/admin").status_code == 403
        assert worker.get("/reports/access").status_code == 403
        page = worker.get(f"/office/case/{rid}")
        assert page.status_code == 200 and RESIDENT["id"] in page.text
        token = csrf_of(page.text)
        # an action without the session's CSRF token does nothing
        r = worker.post(f"/office/case/{rid}/status", data={"status": "reviewing"})
        assert r.status_code == 403
        # 办结 straight from 受理 is not a step the rules allow; 退回 needs a reason
        r = worker.post(f"/office/case/{rid}/status", data={"csrf": token, "status": "done",
                                                            "delivery": "centre"})
        assert r.status_code == 400 and "不能从" in r.text
        r = worker.post(f"/office/case/{rid}/status", data={"csrf": token,
                                                            "status": "returned"})
        assert r.status_code == 400 and t("center.note_required") in r.text
        r = worker.post(f"/office/case/{rid}/status", data={
            "csrf": token, "status": "returned", "note": "缺材料", "needed": "hukou"})
        assert r.status_code == 400 and t("office.bad_material") in r.text
        r = worker.post(f"/office/case/{rid}/status", data={"csrf": token,
                                                            "status": "reviewing"})
        assert r.status_code == 303
        r = worker.post(f"/office/case/{rid}/status", data={"csrf": token, "status": "done"})
        assert r.status_code == 400 and t("office.delivery_required") in r.text

        # the printed case file: A4, named by record id, the resident on it, recorded
        pdf = worker.get(f"/office/case/{rid}/file.pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert f'filename="case-{rid}.pdf"' in pdf.headers["content-disposition"]
        path = tmp_path / "case.pdf"
        path.write_bytes(pdf.content)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                              check=True).stdout
        assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info), info
        assert RESIDENT["name"] not in info  # not in the PDF's metadata
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert case.case_no in text and RESIDENT["name"] in text
        assert "申请登记表" in text and RESIDENT["id"] not in text  # masked on paper

        # the phone operator: case number + last four of the ID number, by POST
        lookup = worker.get("/office/lookup")
        assert lookup.status_code == 200 and 'method="post"' in lookup.text
        token = csrf_of(lookup.text)
        r = worker.post("/office/lookup", data={"csrf": token, "case_no": case.case_no,
                                                "id4": RESIDENT["id"][-4:]})
        assert r.status_code == 200 and t("office.q_status_reviewing") in r.text
        assert RESIDENT["name"] not in r.text
        wrong = "0000" if RESIDENT["id"][-4:] != "0000" else "1111"
        r = worker.post("/office/lookup", data={"csrf": token, "case_no": case.case_no,
                                                "id4": wrong})
        assert r.status_code == 404 and t("office.lookup_none") in r.text
        r = worker.post("/office/lookup", data={"csrf": token, "case_no": "NO-SUCH-1",
                                                "id4": "1234"})
        assert r.status_code == 404 and t("office.lookup_none") in r.text
        codes = [worker.post("/office/lookup", data={"csrf": token, "case_no": "NO-SUCH-1",
                                                     "id4": "1234"}).status_code
                 for _ in range(10)]
        assert codes.count(429) >= 1 and set(codes) <= {404, 429}

    with office.client() as admin:
        assert office.login(admin, ADMIN).headers["location"] == "/admin"
        assert admin.get(f"/office/case/{rid}").status_code == 403
        page = admin.get("/admin")
        assert page.status_code == 200
        for value in (CASEWORKER[0], SUPERVISOR[0], "徐汇-01", case.case_no, rid,
                      t("office.action_view"), t("office.action_print"),
                      t("office.action_lookup")):
            assert value in page.text, value
        assert RESIDENT["name"] not in page.text and RESIDENT["id"] not in page.text

    with office.client() as sup:
        office.login(sup, SUPERVISOR)
        counts = sup.get("/reports/access")
        assert counts.status_code == 200
        cells = re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", counts.text)
        row = cells[cells.index(CASEWORKER[0]):][:6]
        # worker, view (the page, and four refused actions that showed it again), print,
        # lookup (two that found the case, right and wrong digits), export, export_api
        assert row == [CASEWORKER[0], "5", "1", "2", "0", "0"], row
        assert RESIDENT["name"] not in counts.text and case.case_no not in counts.text
