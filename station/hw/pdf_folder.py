"""The PDF-folder printer: for a laptop without CUPS or without a printer.

Documents land in `station.paths.print_dir()` and the UI names the file; a "job"
completes the moment the file is there, so the rest of the station treats it as
any other printer. The folder is 0700 and each paper 0600 (they name residents);
`station purge` removes papers past the retention window (`station.retention`).
"""

from __future__ import annotations

import itertools
from pathlib import Path

from station import paths
from station.hw.ports import (
    DeviceStatus,
    JobState,
    JobStatus,
    Media,
    PrinterState,
    PrinterStatus,
    PrintJob,
)
from station.private_files import private_dir, tighten, write_private

NAME = "pdf"


class PdfFolderPrinter:
    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder
        self._ids = itertools.count(1)

    @property
    def folder(self) -> Path:
        return self._folder or paths.print_dir()

    def printers(self) -> list[str]:
        return [NAME]

    def default_printer(self) -> str | None:
        return NAME

    def state(self, printer: str | None = None) -> PrinterState:
        return PrinterState(NAME, PrinterStatus.IDLE, True)

    def submit(self, pdf: Path, *, title: str, media: Media = Media.A4, copies: int = 1,
               printer: str | None = None) -> PrintJob:
        folder = private_dir(self.folder)  # papers name residents: owner only
        target = pdf
        if pdf.resolve().parent != folder.resolve():
            target = write_private(folder / pdf.name, pdf.read_bytes())
        else:
            tighten(target)
        return PrintJob(NAME, next(self._ids), target)

    def job_state(self, job: PrintJob) -> JobState:
        done = job.document.exists()
        return JobState(job, JobStatus.COMPLETED if done else JobStatus.FAILED)

    def wait(self, job: PrintJob, timeout: float = 30.0) -> JobState:
        return self.job_state(job)

    def describe(self) -> DeviceStatus:
        """Never "offline": there is no device, only the folder, and staff must know where."""
        folder = self.folder
        return DeviceStatus("pdf_folder", "service.printer_pdf_folder",
                            (("folder", str(folder)),), folder)
