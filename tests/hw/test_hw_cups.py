"""Printing through a real, isolated cupsd with a copying sink queue."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from station.documents import render_notice, render_receipt, render_run_sheet, render_slip
from station.hw.cups_printer import CupsPrinter
from station.hw.errors import (
    NoPrinterError,
    PrinterNotReady,
    PrinterServiceError,
    PrintJobFailed,
)
from station.hw.ports import JobStatus, Media, Printer, PrinterStatus
from station.hw.printing import print_pdf
from tests.documents.pdfcheck import flat, ink_ratio, pdf_text
from tests.documents.samples import notice_data, receipt_data, run_sheet_data, slip_data

DOCS = {
    "receipt": (lambda m: render_receipt(receipt_data(), m), "ST0001-20261123-0007"),
    "notice": (lambda m: render_notice(notice_data(), m), "房屋租赁合同登记备案"),
    "slip": (lambda m: render_slip(slip_data(), m), "上门服务预约单"),
    "run_sheet": (lambda m: render_run_sheet(run_sheet_data(), m), "上门服务路线单"),
}


def printer_for(cupsd, queue=None) -> CupsPrinter:
    return CupsPrinter(queue or cupsd.QUEUE, host="127.0.0.1", port=cupsd.port)


def sink_file(cupsd, job_id: int, queue: str | None = None) -> Path:
    return cupsd.outdir / (queue or cupsd.QUEUE) / f"job-{job_id}.pdf"


@pytest.mark.parametrize("media", [Media.A4, Media.ROLL80])
@pytest.mark.parametrize("kind", sorted(DOCS))
def test_each_document_prints_and_reads_back(cupsd, tmp_path, kind, media):
    printer = printer_for(cupsd)
    assert isinstance(printer, Printer)
    make, marker = DOCS[kind]
    outcome = print_pdf(printer, make(media), stem=f"{kind}-test", title=kind, media=media,
                        timeout=120, folder=tmp_path, keep="always")
    assert outcome.printed, outcome
    assert outcome.kept.exists() and outcome.kept.parent == tmp_path
    out = sink_file(cupsd, outcome.state.job.job_id)
    assert out.exists()
    assert out.read_bytes() == outcome.kept.read_bytes()  # the queue passed our PDF through
    assert marker in flat(pdf_text(out))
    assert ink_ratio(out) > 0.005


def test_printed_copy_is_dropped_unless_asked(cupsd, tmp_path):
    """A kept PDF holds a name in clear: once on paper, it goes (by default)."""
    outcome = print_pdf(printer_for(cupsd), render_receipt(receipt_data()), stem="r",
                        title="r", folder=tmp_path)
    assert outcome.printed and outcome.kept is None
    assert list(tmp_path.iterdir()) == []
    assert sink_file(cupsd, outcome.state.job.job_id).exists()


def test_lists_queues_and_default(cupsd):
    printer = printer_for(cupsd)
    assert cupsd.QUEUE in printer.printers()
    cupsd.lpadmin("-d", cupsd.QUEUE)
    assert CupsPrinter(host="127.0.0.1", port=cupsd.port).default_printer() == cupsd.QUEUE
    state = printer.state()
    assert state.status is PrinterStatus.IDLE and state.ready
    assert "就绪" in state.describe()


def test_stopped_queue_is_reported_and_nothing_is_lost(cupsd, tmp_path):
    cupsd.run_tool("cupsdisable", cupsd.QUEUE)
    printer = printer_for(cupsd)
    state = printer.state()
    assert state.status is PrinterStatus.STOPPED and not state.ready
    assert "暂停" in state.describe()
    outcome = print_pdf(printer, render_receipt(receipt_data()), stem="receipt-1",
                        title="receipt", timeout=1.0, folder=tmp_path)
    assert not outcome.printed
    assert isinstance(outcome.error, PrintJobFailed)
    assert outcome.state.status is JobStatus.PENDING
    assert outcome.kept.exists()
    assert str(outcome.kept) in outcome.error.message()
    # once the queue is resumed, the held job comes out
    cupsd.run_tool("cupsenable", cupsd.QUEUE)
    assert printer.wait(outcome.state.job, timeout=120).status is JobStatus.COMPLETED


def test_rejecting_queue_refuses_before_a_job(cupsd, tmp_path):
    cupsd.run_tool("cupsreject", cupsd.QUEUE)
    printer = printer_for(cupsd)
    assert not printer.state().accepting
    outcome = print_pdf(printer, render_receipt(receipt_data()), stem="r", title="r",
                        folder=tmp_path)
    assert isinstance(outcome.error, PrinterNotReady) and outcome.state is None
    assert outcome.kept.exists()


def test_missing_queue(cupsd, tmp_path):
    printer = printer_for(cupsd, "no-such-queue")
    assert printer.state().status is PrinterStatus.MISSING
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(render_receipt(receipt_data()))
    with pytest.raises(NoPrinterError):
        printer.submit(pdf, title="x")


def test_failing_device_fails_the_job(cupsd, tmp_path):
    cupsd.lpadmin("-p", "broken", "-E", "-v", "stationsink:/nonexistent/folder",
                  "-o", "printer-error-policy=abort-job")
    printer = printer_for(cupsd, "broken")
    outcome = print_pdf(printer, render_receipt(receipt_data()), stem="r", title="r",
                        timeout=120, folder=tmp_path)
    assert outcome.state is not None and outcome.state.status is JobStatus.FAILED
    assert isinstance(outcome.error, PrintJobFailed) and outcome.kept.exists()


def test_cups_down_is_typed(cupsd):
    printer = printer_for(cupsd)
    cupsd.stop()
    with pytest.raises(PrinterServiceError) as err:
        printer.printers()
    assert "CUPS" in err.value.message()


def test_submit_to_complete_is_quick(cupsd, tmp_path):
    printer = printer_for(cupsd)
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(render_receipt(receipt_data()))
    start = time.monotonic()
    state = printer.wait(printer.submit(pdf, title="r"), timeout=120)
    assert state.status is JobStatus.COMPLETED
    # never stuck; the speed itself is measured in bench/, not in a timed test
    assert time.monotonic() - start < 60
