"""Shared by the hostile-push and hostile-row tests: sealed records with any clear fields,
and the check that every report format and page still answers.

Records are sealed exactly as the station's queue seals them (HPKE to the centre key,
`info` binding station, record and version; a zlib-deflated JSON envelope), but from
fields we choose: what a thief holding a laptop's unprotected signing key can send.
"""

from __future__ import annotations

import json
import re
import time
import zlib
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx

SUPERVISOR = ("主管乙", "correct horse battery staple")
DAY = "2026-11-22"


def sealed_record(queue, *, seq: int, meta: dict[str, Any], kind: str = "case",
                  record_id: str | None = None, created: float | None = None,
                  env: dict[str, Any] | None = None) -> dict[str, Any]:
    """A v1 wire record; `env` overrides envelope fields (to contradict the clear ones)."""
    from stationq import ids, sealing

    from shared.protocol import b64e

    created = time.time() if created is None else created
    rid = record_id or ids.record_id(seq, int(created * 1000))
    envelope = {"v": 1, "id": rid, "version": 1, "seq": seq, "kind": kind, "meta": meta,
                "created_at": created, "updated_at": created, "payload": {"x": 1},
                **(env or {})}
    # json.dumps, not the queue's encoder: NaN must survive, as a forger would send it.
    plain = zlib.compress(json.dumps(envelope).encode())
    blob = sealing.seal_bytes(queue.centre_key, plain,
                              sealing.record_info(queue.station_id, rid, 1))
    return {"record_id": rid, "version": 1, "seq": seq, "kind": kind, "meta": meta,
            "created_at": datetime.fromtimestamp(created, UTC).isoformat(),
            "suite": queue.centre_key.suite, "enc": b64e(blob)}


def push(centre, client, records: list[dict[str, Any]], version: int) -> httpx.Response:
    """A signed push of `records` (v1 JSON or a v2 frame), NaN and all."""
    from shared.protocol import (
        PUSH2_MAGIC,
        PUSH2_PATH,
        SIGNATURE_HEADER,
        b64d,
        new_nonce,
        now_ms,
        sign,
    )

    doc = {"v": version, "station_id": client.pinned.station_id, "ts": now_ms(),
           "nonce": new_nonce()}
    if version == 1:
        path, ctype = "/v1/push", "application/json"
        body = json.dumps({**doc, "records": records}).encode()
    else:
        path, ctype = PUSH2_PATH, "application/octet-stream"
        blobs = [b64d(r["enc"]) for r in records]
        rows = [[r["record_id"], r["version"], r["seq"], r["kind"], r["meta"],
                 r["created_at"], r["suite"], len(b)] for r, b in zip(records, blobs,
                                                                     strict=True)]
        head = zlib.compress(json.dumps({**doc, "records": rows}).encode())
        body = b"".join([PUSH2_MAGIC, len(head).to_bytes(4, "big"), head, *blobs])
    headers = {SIGNATURE_HEADER: sign(client.keys.sign, "request", path, body),
               "content-type": ctype}
    return httpx.post(centre.url + path, content=body, headers=headers, timeout=60)


class _Form(HTMLParser):
    """The login form's fields as the page serves them (hidden ones included)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            self.fields[a["name"]] = a.get("value") or ""


def log_in(centre) -> httpx.Client:
    out = centre.cli("report", "supervisor", "add", SUPERVISOR[0], "--password-stdin",
                     input=SUPERVISOR[1] + "\n")
    assert out.returncode == 0 or "exists" in out.stderr or "已" in out.stderr, out.stderr
    web = httpx.Client(base_url=centre.url, timeout=120)
    form = _Form()
    form.feed(web.get("/reports/login").text)
    fields = {**form.fields, "user": SUPERVISOR[0], "password": SUPERVISOR[1]}
    resp = web.post("/reports/login", data=fields)
    assert resp.status_code in (200, 303), resp.text
    return web


def reports_answer(centre, tmp: Path, unreadable: int) -> None:
    """Every `center report` format and every report page answers (no traceback, no 5xx)
    and names `unreadable` stored rows as unreadable."""
    from shared.i18n import t

    label = t("reports.fact_unreadable")
    outs = {}
    for fmt in ("table", "csv", "json"):
        out = centre.cli("report", "--from", "2026-10-01", "--to", "2026-12-31",
                         "--format", fmt)
        assert out.returncode == 0 and "Traceback" not in out.stderr, (fmt, out.stderr)
        outs[fmt] = out.stdout
    assert json.loads(outs["json"])["unreadable"]["count"] == unreadable
    assert re.search(rf"{re.escape(label)}\s+{unreadable}\b", outs["table"]), outs["table"]
    assert f"facts,{label},{unreadable}\n" in outs["csv"]
    assert ("\nunreadable," in outs["csv"]) == (unreadable > 0)
    pdf = tmp / "report.pdf"
    out = centre.cli("report", "--from", "2026-10-01", "--to", "2026-12-31", "--format",
                     "pdf", "-o", str(pdf))
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    out = centre.cli("report", "coverage", "--json")
    assert out.returncode == 0, out.stderr
    web = log_in(centre)
    try:
        for path in ("/reports?from=2026-10-01&to=2026-12-31", f"/reports/day/{DAY}",
                     "/reports", "/reports/report.pdf?from=2026-10-01&to=2026-12-31"):
            resp = web.get(path)
            assert resp.status_code == 200, (path, resp.status_code, resp.text[:300])
            if path.startswith("/reports?"):
                assert re.search(rf"{re.escape(label)}</dt><dd>{unreadable}<", resp.text)
                assert "\x1b" not in resp.text
    finally:
        web.close()
