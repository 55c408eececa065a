"""Issue 16: a stolen laptop yields nothing.

A day's real work — cases recorded and printed to the PDF folder, one withdrawn, home-
visit requests phoned in at a real centre and pulled (one while the station was
locked), synced — then the next day's purge. Then the thief's view: every file the
station wrote (under STATION_HOME, the print folder included), read raw and in every
decoded form we can reach (SQLite rows, zlib streams, base64), with every key found on
disk tried on every sealed item. No name, ID number or phone may be found, in UTF-8,
GB18030 or UTF-16. Papers within their window are 0600 in a 0700 folder.
"""

from __future__ import annotations

import base64
import json
import os
import re
import sqlite3
import stat
import subprocess
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from station import paths
from station.hw.pdf_folder import PdfFolderPrinter
from tests.support.station import (
    ELDER_ID,
    ELDER_NAME,
    PASS,
    Clock,
    full_mz01,
    make_service,
    open_outing,
)
from tests.sync.syncrig import Centre, enrol_station

REQUEST_NAME, REQUEST_PHONE = "李请求", "13655556666"
FAMILY_NAME, FAMILY_PHONE = "张小明", "13700001234"
LOCKED_NAME, LOCKED_PHONE = "赵锁定", "13566667777"
NEEDLES = [ELDER_NAME, ELDER_ID, "13812345678", "13912345678", REQUEST_NAME, REQUEST_PHONE,
           FAMILY_NAME, FAMILY_PHONE, LOCKED_NAME, LOCKED_PHONE, "新成村 12号"]
ENCODINGS = ("utf-8", "gb18030", "utf-16-le", "utf-16-be")


def _patterns() -> list[tuple[str, bytes]]:
    out = []
    for needle in NEEDLES:
        for enc in ENCODINGS:
            out.append((f"{needle!r} as {enc}", needle.encode(enc)))
    return out


def _zlib_streams(data: bytes) -> Iterator[bytes]:
    """Everything that inflates, from any offset that starts a zlib header (PDF
    FlateDecode streams, the sealed envelope's zlib layer if it were ever in clear)."""
    for match in re.finditer(rb"\x78[\x01\x5e\x9c\xda]", data):
        try:
            out = zlib.decompressobj().decompress(data[match.start():], 1 << 22)
        except zlib.error:
            continue
        if out:
            yield out


def _base64_runs(data: bytes) -> Iterator[bytes]:
    for match in re.finditer(rb"[A-Za-z0-9+/_-]{16,}={0,2}", data):
        run = match.group()
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                yield decode(run + b"=" * (-len(run) % 4))
            except ValueError:
                continue


def _sqlite_values(path: Path) -> Iterator[bytes]:
    """Every value of every table, as a reader with the sqlite3 shell would see it."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    except sqlite3.DatabaseError:
        return
    for table in tables:
        for row in db.execute(f'SELECT * FROM "{table}"'):
            for value in row:
                if isinstance(value, str):
                    yield value.encode()
                elif isinstance(value, bytes):
                    yield value
    db.close()


def _pdf_text(path: Path) -> bytes:
    """The text a reader shows (poppler's pdftotext): names in a subset CID font are glyph
    numbers in the file, not text, so the raw bytes alone would not show them."""
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],
                          capture_output=True, timeout=300, check=False)
    return done.stdout


def _forms(path: Path) -> Iterator[tuple[str, bytes]]:
    raw = path.read_bytes()
    yield "raw", raw
    if raw.startswith(b"%PDF"):
        yield "pdf-text", _pdf_text(path)
    for n, blob in enumerate(_zlib_streams(raw)):
        yield f"inflated#{n}", blob
    for n, blob in enumerate(_base64_runs(raw)):
        yield f"base64#{n}", blob
        for m, inner in enumerate(_zlib_streams(blob)):
            yield f"base64#{n}/inflated#{m}", inner
    if raw.startswith(b"SQLite format 3"):
        for n, value in enumerate(_sqlite_values(path)):
            yield f"row-value#{n}", value
            for m, inner in enumerate(_zlib_streams(value)):
                yield f"row-value#{n}/inflated#{m}", inner
            for m, inner in enumerate(_base64_runs(value)):
                yield f"row-value#{n}/base64#{m}", inner


def _keys_on_disk(files: list[Path]) -> list[object]:
    """Every 32-byte value found base64 in a JSON file, as an X25519 private key."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    out = []
    for path in files:
        try:
            doc = json.loads(path.read_text("utf-8"))
        except (UnicodeDecodeError, ValueError):
            continue
        values = doc.values() if isinstance(doc, dict) else []
        for value in values:
            try:
                raw = base64.b64decode(str(value), validate=True)
            except ValueError:
                continue
            if len(raw) == 32:
                out.append(X25519PrivateKey.from_private_bytes(raw))
    return out


def _sealed_inbox_items() -> list[tuple[str, str]]:
    db = sqlite3.connect(paths.data_dir() / "inbox.sqlite3")
    rows = db.execute("SELECT uid, sealed FROM visit_requests WHERE sealed != ''").fetchall()
    rows += db.execute("SELECT uid, sealed FROM case_status WHERE sealed IS NOT NULL"
                       ).fetchall()
    db.close()
    return rows


@pytest.mark.parametrize("backend", ["sqlite"])  # the centre's storage is not under test here
def test_a_stolen_laptop_yields_no_names_ids_or_phones(centre: Centre, tmp_path):
    from shared.protocol import open_for_station

    # Real time: papers are aged by their files' times, the queue by the service clock.
    clock = Clock(datetime.now().astimezone())
    service = open_outing(make_service(PdfFolderPrinter(), clock))
    try:
        enrol_station(service.session.cases().queue, centre, "测试办事厅")
        tomorrow = (clock.now + timedelta(days=1)).date().isoformat()
        for name, phone, extra in (
                (REQUEST_NAME, REQUEST_PHONE, ["--family-name", FAMILY_NAME,
                                               "--family-phone", FAMILY_PHONE,
                                               "--family-relation", "儿子"]),):
            out = centre.cli("visit", "request", "--station", "测试办事厅", "--date", tomorrow,
                             "--slot", "am", "--resident-name", name, "--phone", phone,
                             "--address", "新成村 12号 3单元 402室", "--matter", "MZ01",
                             *extra)
            assert out.returncode == 0, out.stderr

        # The day's work: two cases printed to the folder, one withdrawn.
        first = service.record_case(full_mz01(service))
        second = service.record_case(full_mz01(service))
        assert first.print.printed and second.print.printed
        service.withdraw(second.case.case_no, reason="居民决定改日再办")
        assert service.sync_once() is None  # pushes, pulls and books the request
        assert len(service.visits.rows()) == 1

        folder = paths.print_dir()
        printed = sorted(folder.glob("*.pdf"))
        assert len(printed) == 2
        # Within their window: the folder 0700, every paper 0600.
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert {stat.S_IMODE(p.stat().st_mode) for p in printed} == {0o600}
        # The scanner below is sharp: it finds the resident on a paper still on disk.
        assert any(ELDER_NAME.encode() in data for _, data in _forms(printed[0]))

        # A request phoned in while the station is locked stays sealed on disk.
        service.lock()
        out = centre.cli("visit", "request", "--station", "测试办事厅", "--date", tomorrow,
                         "--slot", "pm", "--resident-name", LOCKED_NAME, "--phone",
                         LOCKED_PHONE, "--address", "爱里舍5号楼2单元301")
        assert out.returncode == 0, out.stderr
        assert service.sync_once() is None
        assert len(_sealed_inbox_items()) == 1  # pulled, still sealed, not yet booked
        files = [p for p in Path(os.environ["STATION_HOME"]).rglob("*") if p.is_file()]
        keys = _keys_on_disk(files)
        station_id = service.session.config().station_id
        for uid, sealed in _sealed_inbox_items():
            for key in keys:
                with pytest.raises(ValueError):
                    open_for_station(key, station_id, uid, sealed)
        member = service.staff()[0]
        service.unlock(member.id, PASS)
        assert service.visits.import_requests() == 1
        assert _sealed_inbox_items() == []  # booked: the sealed details are erased
        assert service.sync_once() is None

        # The next day: the first unlock purges yesterday's copies and papers.
        service.lock()
        clock.advance(days=1)
        service.unlock(member.id, PASS)
        assert sorted(folder.glob("*.pdf")) == []
        service.lock()
    finally:
        service.close()

    home = Path(os.environ["STATION_HOME"])
    files = [p for p in home.rglob("*") if p.is_file()]
    assert files, "the station wrote nothing?"
    keys_doc = json.loads((paths.config_dir() / "sync-keys.json").read_text())
    assert "inbox" not in keys_doc  # the inbox key's private half is never in the clear
    patterns = _patterns()
    found = []
    for path in files:
        for form, data in _forms(path):
            for label, pattern in patterns:
                if pattern in data:
                    found.append(f"{path.relative_to(home)} [{form}]: {label}")
    assert not found, "\n".join(found[:20])
    for path in files:  # every file the station wrote is its owner's alone
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path.relative_to(home)
