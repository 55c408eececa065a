"""Cases out to the district's system: JSON lines, CSV for Excel, XLSX (docs/export.md).

Why three shapes of one reading: the district's 一网通办 import takes whatever its
vendor built, and a person at the centre opens the file in Excel on a Chinese Windows.
Every shape is made from the same `CaseFile` (center/casefile.py), so field codes,
matter codes and types agree across them. Files are created with mode 0600 and never
widened: they hold decrypted personal data.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from center.casefile import CaseFile, Unreadable, plain
from center.errors import CenterError

FORMATS = ("jsonl", "csv", "xlsx")
SCHEMA = 1

# The fixed columns of the CSV and of the XLSX "cases" sheet, in order.
CASE_COLUMNS = (
    "record_id", "case_no", "matter", "matter_name", "line", "station_id", "station_name",
    "site", "staff", "outing_date", "created_at", "updated_at", "due_date",
    "station_status", "centre_status", "delivery", "rating", "visit",
    "resident_name", "resident_id_number", "resident_id_kind", "resident_birth_date",
    "resident_sex", "resident_phone", "resident_address", "resident_source",
    "agent_name", "agent_id_number", "agent_id_kind", "agent_relation",
    "materials_received", "materials_missing", "version", "versions", "unreadable",
)
ANSWER_PREFIX = "answer."  # then the catalogue's field code, e.g. answer.bank_account
VERSION_COLUMNS = ("record_id", "case_no", "version", "seq", "status", "updated_at",
                   "reason_code", "reason", "received_at")


# --------------------------------------------------------------------------- one case
def case_doc(item: CaseFile | Unreadable) -> dict[str, Any]:
    """The JSON object of one case (one line of the JSON-lines export)."""
    if isinstance(item, Unreadable):
        return {"schema": SCHEMA, "record_id": item.record_id, "version": item.version,
                "case_no": item.case_no, "matter": item.matter, "unreadable": item.reason}
    r, a = item.resident, item.agent
    return {
        "schema": SCHEMA, "record_id": item.record_id, "case_no": item.case_no,
        "matter": item.matter, "matter_name": item.matter_name, "line": item.line,
        "station_id": item.station_id, "station_name": item.station_name, "site": item.site,
        "staff": item.staff, "outing_date": plain(item.outing_date),
        "created_at": plain(item.created_at), "updated_at": plain(item.updated_at),
        "due_date": plain(item.due_date), "station_status": item.station_status,
        "centre_status": item.centre_status, "delivery": item.delivery,
        "rating": item.rating, "visit": item.visit,
        "resident": {"name": r.name, "id_number": r.id_number, "id_kind": r.id_kind,
                     "birth_date": plain(r.birth_date), "sex": r.sex, "phone": r.phone,
                     "address": r.address, "source": r.source},
        "agent": None if a is None else {
            "name": a.name, "id_number": a.id_number, "id_kind": a.id_kind,
            "birth_date": plain(a.birth_date), "sex": a.sex, "relation": a.relation},
        "answers": [{"code": x.code, "label": x.label, "type": x.type, "text": x.text,
                     "value": plain(x.value), "problem": x.problem} for x in item.answers],
        "materials_received": [_material(m) for m in item.received],
        "materials_missing": [_material(m) for m in item.missing],
        "version": item.version,
        "versions": [{"version": v.version, "seq": v.seq, "status": v.status,
                      "updated_at": plain(v.updated_at), "reason_code": v.reason_code,
                      "reason": v.reason, "received_at": v.received_at}
                     for v in item.versions],
    }


def _material(m: Any) -> dict[str, Any]:
    return {"code": m.code, "name": m.name, "form": m.form, "count": m.count}


def case_row(item: CaseFile | Unreadable) -> dict[str, Any]:
    """The flat, typed row of one case (CSV and XLSX): dates are `date`/`datetime`,
    numbers `Decimal`/`int`, yes/no `bool`; answers under `answer.<field code>`."""
    if isinstance(item, Unreadable):
        return {"record_id": item.record_id, "case_no": item.case_no, "matter": item.matter,
                "version": item.version, "unreadable": item.reason}
    r, a = item.resident, item.agent
    row: dict[str, Any] = {
        "record_id": item.record_id, "case_no": item.case_no, "matter": item.matter,
        "matter_name": item.matter_name, "line": item.line, "station_id": item.station_id,
        "station_name": item.station_name, "site": item.site, "staff": item.staff,
        "outing_date": item.outing_date, "created_at": item.created_at,
        "updated_at": item.updated_at, "due_date": item.due_date,
        "station_status": item.station_status, "centre_status": item.centre_status,
        "delivery": item.delivery, "rating": item.rating, "visit": item.visit,
        "resident_name": r.name, "resident_id_number": r.id_number,
        "resident_id_kind": r.id_kind, "resident_birth_date": r.birth_date,
        "resident_sex": r.sex, "resident_phone": r.phone, "resident_address": r.address,
        "resident_source": r.source,
        "agent_name": a.name if a else None, "agent_id_number": a.id_number if a else None,
        "agent_id_kind": a.id_kind if a else None, "agent_relation": a.relation if a else None,
        "materials_received": ";".join(m.code for m in item.received),
        "materials_missing": ";".join(m.code for m in item.missing),
        "version": item.version, "versions": len(item.versions), "unreadable": None,
    }
    for x in item.answers:
        row[ANSWER_PREFIX + x.code] = x.value if x.problem == "" else x.text
    return row


def answer_columns(catalogue: Any, items: Iterable[CaseFile | Unreadable]) -> list[str]:
    """`answer.<code>` columns: every field code of the matters present, catalogue order."""
    present = {i.matter for i in items if isinstance(i, CaseFile)}
    cols: dict[str, None] = {}
    for m in catalogue:
        if m.code in present:
            for f in m.fields:
                cols[ANSWER_PREFIX + f.key] = None
    for i in items:  # answers the catalogue no longer lists
        if isinstance(i, CaseFile):
            for x in i.answers:
                cols.setdefault(ANSWER_PREFIX + x.code, None)
    return list(cols)


# --------------------------------------------------------------------------- files
def private_file(path: Path) -> int:
    """A new file readable by its owner only: created 0600 (never chmod-ed after), and
    never over an existing file (its mode could be wider)."""
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                       0o600)
    except FileExistsError as err:
        raise CenterError("center.export_exists", path=str(path)) from err
    except OSError as err:
        raise CenterError("center.export_cannot_write", path=str(path),
                          error=err.strerror or "") from err


def write_jsonl(fh: Any, items: Iterable[CaseFile | Unreadable]) -> int:
    n = 0
    for item in items:
        fh.write(json.dumps(case_doc(item), ensure_ascii=False, separators=(",", ":")))
        fh.write("\n")
        n += 1
    return n


# Excel reads a cell beginning with = + - @ as a formula (OWASP "CSV Injection");
# such text is written with a leading apostrophe.
_FORMULA_LEAD = ("=", "+", "-", "@")
# Excel keeps 15 significant digits and drops leading zeros (Microsoft: "Excel
# specifications and limits", number precision); long digit strings and ones with a
# leading zero (ID numbers, bank cards, landlines) get a leading TAB so Excel keeps them
# as text.
_LONG_DIGITS = re.compile(r"^(?:\d{12,}[0-9Xx]?|0\d+)$")


def csv_text(value: Any) -> str:
    """One typed value as CSV cell text (docs/export.md, "CSV")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, Decimal, date, datetime)):
        return str(plain(value))
    text = str(value)
    if text.startswith(_FORMULA_LEAD):
        return "'" + text
    if _LONG_DIGITS.match(text):
        return "\t" + text
    return text


def csv_value(text: str) -> str:
    """Undo `csv_text`'s guards (for a reader of our CSV; types per docs/export.md)."""
    if text.startswith("'") and text[1:].startswith(_FORMULA_LEAD):
        return text[1:]
    if text.startswith("\t") and _LONG_DIGITS.match(text[1:]):
        return text[1:]
    return text


def write_csv(fh: Any, items: list[CaseFile | Unreadable], catalogue: Any) -> int:
    """UTF-8 with a BOM (Excel on a Chinese Windows otherwise reads GBK), CRLF rows,
    RFC 4180 quoting."""
    columns = list(CASE_COLUMNS) + answer_columns(catalogue, items)
    writer = csv.writer(fh, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for item in items:
        row = case_row(item)
        writer.writerow([csv_text(row.get(c)) for c in columns])
    return len(items)


def write_xlsx(fh: Any, items: list[CaseFile | Unreadable], catalogue: Any) -> int:
    """Sheets "cases" (one typed row per case) and "versions" (one row per version)."""
    # openpyxl: the maintained pure-Python reader/writer of Office Open XML (ECMA-376)
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("cases")
    columns = list(CASE_COLUMNS) + answer_columns(catalogue, items)
    sheet.append(columns)

    def cell(value: Any) -> Any:
        if isinstance(value, datetime):
            # Excel has no time zones: the local wall time, the offset in the format.
            c = WriteOnlyCell(sheet, value.replace(tzinfo=None))
            c.number_format = "yyyy-mm-dd hh:mm:ss"
            return c
        if isinstance(value, date):
            c = WriteOnlyCell(sheet, value)
            c.number_format = "yyyy-mm-dd"
            return c
        if isinstance(value, Decimal):
            c = WriteOnlyCell(sheet, value)
            c.number_format = "0.00##"
            return c
        if isinstance(value, str) and value.startswith(_FORMULA_LEAD):
            c = WriteOnlyCell(sheet, value)
            c.data_type = "s"  # text, never a formula
            return c
        return value

    for item in items:
        row = case_row(item)
        sheet.append([cell(row.get(c)) for c in columns])
    versions = wb.create_sheet("versions")
    versions.append(list(VERSION_COLUMNS))
    for item in items:
        if isinstance(item, CaseFile):
            for v in item.versions:
                versions.append([item.record_id, item.case_no, v.version, v.seq, v.status,
                                 v.updated_at.isoformat(), v.reason_code,
                                 cell(v.reason), v.received_at])
    wb.save(fh)
    return len(items)


# Content types for a download (the web export, center/backoffice/export_page.py):
# JSON Lines suggests application/jsonl (https://jsonlines.org/, "File format");
# CSV is text/csv (RFC 4180 section 3); XLSX is the IANA-registered Office Open XML
# spreadsheet type (ECMA-376; IANA media types, application/vnd.openxmlformats-...).
CONTENT_TYPES = {
    "jsonl": "application/jsonl; charset=utf-8",
    "csv": "text/csv; charset=utf-8; header=present",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def write_to(fh: BinaryIO, fmt: str, items: Iterable[CaseFile | Unreadable],
             catalogue: Any) -> int:
    """The export in `fmt` to a binary file object: a 0600 file (`write_export`) or a
    buffer for a download (`export_bytes`) — one writer for both."""
    if fmt not in FORMATS:
        raise CenterError("center.export_format", allowed="/".join(FORMATS))
    if fmt == "jsonl":
        return _text(fh, "utf-8", "\n", lambda text: write_jsonl(text, items))
    listed = list(items)  # the columns depend on the matters present
    if fmt == "csv":
        return _text(fh, "utf-8-sig", "", lambda text: write_csv(text, listed, catalogue))
    buf = io.BytesIO()
    n = write_xlsx(buf, listed, catalogue)
    fh.write(buf.getvalue())
    return n


def _text(fh: BinaryIO, encoding: str, newline: str, write: Any) -> int:
    text = io.TextIOWrapper(fh, encoding=encoding, newline=newline)
    try:
        return write(text)
    finally:
        text.flush()
        text.detach()  # the caller's file object stays open


def write_export(path: Path, fmt: str, items: Iterator[CaseFile | Unreadable],
                 catalogue: Any) -> int:
    """Write the export to a new 0600 file; a failure removes the partial file."""
    if fmt not in FORMATS:
        raise CenterError("center.export_format", allowed="/".join(FORMATS))
    fd = private_file(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            return write_to(fh, fmt, items, catalogue)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _recorded(store: Any, keys: Any, since_ms: int, fmt: str, actor: str, reason: str
              ) -> tuple[Any, Iterator[CaseFile | Unreadable], list[Unreadable]]:
    """The cases since `since_ms`, each recorded in the access records before it is
    opened (the look happens whether or not the write succeeds)."""
    from center.casefile import case_ids, centre_catalogue, open_cases

    if fmt not in FORMATS:
        raise CenterError("center.export_format", allowed="/".join(FORMATS))
    catalogue = centre_catalogue(store)
    ids = case_ids(store, since_ms)
    store.log_access(actor, "export", ids or [None], reason)
    unreadable: list[Unreadable] = []

    def items() -> Iterator[CaseFile | Unreadable]:
        for item in open_cases(store, keys, ids, catalogue):
            if isinstance(item, Unreadable):
                unreadable.append(item)
            yield item

    return catalogue, items(), unreadable


def export_cases(store: Any, keys: Any, *, since_ms: int, fmt: str, path: Path, actor: str,
                 reason: str) -> tuple[int, list[Unreadable]]:
    """Every case with a version received since `since_ms`, to `path`. Returns (cases
    written, the unreadable ones)."""
    catalogue, items, unreadable = _recorded(store, keys, since_ms, fmt, actor, reason)
    return write_export(path, fmt, items, catalogue), unreadable


def export_bytes(store: Any, keys: Any, *, since_ms: int, fmt: str, actor: str,
                 reason: str) -> tuple[bytes, int, list[Unreadable]]:
    """The same export in memory, for a download that never touches the disk.
    Returns (the file's bytes, cases written, the unreadable ones)."""
    catalogue, items, unreadable = _recorded(store, keys, since_ms, fmt, actor, reason)
    buf = io.BytesIO()
    n = write_to(buf, fmt, items, catalogue)
    return buf.getvalue(), n, unreadable
