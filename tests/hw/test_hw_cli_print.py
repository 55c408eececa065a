"""`station print test` end to end: to the PDF folder, and to an isolated cupsd."""

from __future__ import annotations

import os
import subprocess
import sys

from click.testing import CliRunner

from station import paths
from station.cli import cli
from tests.documents.pdfcheck import flat, ink_ratio, pdf_text

MAIN = "from station.cli import main; main()"


def test_print_test_to_pdf_folder():
    result = CliRunner().invoke(cli, ["print", "test", "--printer", "pdf", "--paper", "roll80"])
    assert result.exit_code == 0, result.output
    files = list(paths.print_dir().glob("*-test-page.pdf"))
    assert len(files) == 1 and str(files[0]) in result.output
    text = flat(pdf_text(files[0]))
    assert "打印测试页" in text and "80毫米热敏卷纸" in text
    assert ink_ratio(files[0]) > 0.005


def test_print_test_through_cups(cupsd, tmp_path):
    env = dict(os.environ, CUPS_SERVER=f"127.0.0.1:{cupsd.port}", STATION_HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", MAIN, "print", "test", "--printer",
                           f"cups:{cupsd.QUEUE}"], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert cupsd.QUEUE in proc.stdout
    out = list((cupsd.outdir / cupsd.QUEUE).glob("job-*.pdf"))
    assert len(out) == 1
    assert "打印测试页" in flat(pdf_text(out[0]))


def test_print_test_to_a_stopped_queue_fails_in_words(cupsd, tmp_path):
    cupsd.run_tool("cupsreject", cupsd.QUEUE)
    env = dict(os.environ, CUPS_SERVER=f"127.0.0.1:{cupsd.port}", STATION_HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", MAIN, "print", "test", "--printer",
                           f"cups:{cupsd.QUEUE}", "--timeout", "2"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 1
    assert "无法打印" in proc.stderr
    assert list((tmp_path / "printed").glob("*-test-page.pdf"))  # kept for a reprint
