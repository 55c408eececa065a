"""Issue 16: papers in the PDF folder are the staff account's alone (folder 0700, files
0600) and go with the retention window of the local copies."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta

from station import paths, retention
from station.hw.pdf_folder import PdfFolderPrinter
from station.hw.printing import keep_pdf


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_pdf_folder_printer_keeps_papers_owner_only(tmp_path):
    old = os.umask(0o022)  # a desktop session's usual umask
    try:
        rendered = tmp_path / "receipt.pdf"
        rendered.write_bytes(b"%PDF-1.4 test")
        job = PdfFolderPrinter().submit(rendered, title="receipt X")
        folder = paths.print_dir()
        assert job.document.parent == folder
        assert _mode(folder) == 0o700 and _mode(job.document) == 0o600
        kept = keep_pdf(b"%PDF-1.4 slip", "slip-V1")
        assert kept.parent == folder and _mode(kept) == 0o600
        folder.chmod(0o755)  # as an older version left it
        PdfFolderPrinter().submit(rendered, title="receipt X")
        assert _mode(folder) == 0o700
    finally:
        os.umask(old)


def test_papers_past_the_window_are_purged_and_newer_ones_stay(tmp_path):
    folder = tmp_path / "printed"
    folder.mkdir()
    now = datetime(2026, 11, 25, 9, 0)
    files = {}
    for name, written in (("old-receipt.pdf", now - timedelta(days=2)),
                          ("yesterday-notice.pdf", now - timedelta(days=1)),
                          ("half-written.part", now - timedelta(days=3)),
                          ("today-receipt.pdf", now - timedelta(hours=1)),
                          ("notes.txt", now - timedelta(days=9))):
        path = folder / name
        path.write_bytes(b"x")
        os.utime(path, (written.timestamp(), written.timestamp()))
        files[name] = path
    assert retention.purge_papers(folder, retention.cutoff(now, 0)) == 3
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt", "today-receipt.pdf"]
    # a longer window keeps more: with 1 day, yesterday's paper would have stayed
    assert retention.cutoff(now, 1) == datetime(2026, 11, 24)
    assert retention.purge_papers(tmp_path / "missing", now) == 0
