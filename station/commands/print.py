"""`station print …`: documents to the printer from the command line.

The group is the extension point: other parts add ``@command.command(...)``
subcommands (e.g. ``station print receipt CASE``) and call `emit` to send their PDF
with the configured printer and paper, so every document is kept for reprinting
and every outcome is said in words the same way.
"""

from __future__ import annotations

import sys
from typing import Literal

import click

from shared.echo import echo
from shared.i18n import t
from station.hw.factory import PRINTERS, usage
from station.hw.ports import Media, Printer


def _settings() -> tuple[str, str]:
    """(printer, paper) from the station's config, or the defaults before `station init`."""
    from station import config

    try:
        if config.exists():
            cfg = config.load()
            return cfg.printer, cfg.paper
    except Exception:  # an unreadable config must not block a test print
        pass
    return "auto", "a4"


def resolve(printer_setting: str | None, paper: str | None) -> tuple[Printer, Media]:
    """The printer and paper to use: command-line choices over the station's settings."""
    from station.hw.factory import make_printer

    default_printer, default_paper = _settings()
    media = Media(paper or default_paper)
    return make_printer(printer_setting or default_printer), media


def emit(pdf: bytes, *, stem: str, title: str, printer_setting: str | None = None,
         paper: str | None = None, timeout: float = 60.0,
         keep: Literal["always", "failed", "never"] = "failed") -> bool:
    """Keep and print ``pdf``; echo the outcome in words. True when it printed.

    ``stem`` names the kept file and ``title`` the CUPS job: neither may hold
    personal data (use the document kind and the case number). ``keep`` as in
    `station.hw.printing.print_pdf` ("never" when the caller can re-render).
    """
    from station.hw.printing import print_pdf

    printer, media = resolve(printer_setting, paper)
    outcome = print_pdf(printer, pdf, stem=stem, title=title, media=media,
                        timeout=timeout, keep=keep)
    if outcome.error is not None:
        echo(outcome.error.message(), err=True)
        return False
    job = outcome.state.job if outcome.state else None
    if printer.folder is not None:
        echo(t("hw.pdf_saved", path=str(outcome.kept)))
    elif job is not None:
        echo(t("hw.print_done", printer=job.printer, job=job.job_id))
    return True


@click.group(name="print", help=t("cli.help_print_group"))
def command() -> None:
    pass


@command.command(name="test", help=t("cli.help_print_test"))
@click.option("--printer", "printer_setting", default=None,
              metavar=usage(PRINTERS).replace(", ", "|"),
              help=t("cli.help_print_printer"))
@click.option("--paper", type=click.Choice([m.value for m in Media]), default=None,
              help=t("cli.help_print_paper"))
@click.option("--timeout", type=float, default=60.0, show_default=True,
              help=t("cli.help_print_timeout"))
def test_page_command(printer_setting: str | None, paper: str | None, timeout: float) -> None:
    from station.documents.layout import render
    from station.documents.testpage import test_page

    printer, media = resolve(printer_setting, paper)
    try:
        name = printer.default_printer() or "-"
    except Exception:  # the state is reported by emit below
        name = "-"
    if getattr(printer, "queue", None):
        name = printer.queue  # type: ignore[attr-defined]
    pdf = render(test_page(name, media), media)
    ok = emit(pdf, stem="test-page", title="station test page",
              printer_setting=printer_setting, paper=media.value, timeout=timeout)
    sys.exit(0 if ok else 1)
