"""`station report`: the day's (or a period's) sync report, without unlocking.

Why no passphrase: the report reads only clear metadata and queue states, so a
supervisor can run it on a locked laptop at day's end.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from shared.echo import echo
from shared.errors import StationError
from shared.i18n import t
from shared.reports.document import Document
from shared.reports.formats import FORMATS
from shared.reports.output import write_report
from shared.reports.period import period
from station.reports.station import GROUPINGS, StationReport, build_station_report


def load_report(date_from: date, date_to: date, by: str) -> tuple[StationReport, object]:
    """The report from the installed station's queue, opened locked."""
    from stationq import Queue

    from station import config, paths

    if not config.exists() or not paths.queue_file().exists():
        raise StationError("reports.not_configured")
    cfg = config.load()
    queue = Queue.open(paths.queue_file())
    staff = {s.id: s.name for s in cfg.staff}
    return build_station_report(queue, station_id=cfg.station_id, name=cfg.name,
                                date_from=date_from, date_to=date_to, by=by,
                                staff_names=staff), queue


@click.command(name="report", help=t("reports.help_report"))
@click.option("--date", "day", default=None, metavar="YYYY-MM-DD", help=t("reports.help_date"))
@click.option("--from", "start", default=None, metavar="YYYY-MM-DD", help=t("reports.help_from"))
@click.option("--to", "end", default=None, metavar="YYYY-MM-DD", help=t("reports.help_to"))
@click.option("--by", type=click.Choice(GROUPINGS), default="day", show_default=True,
              help=t("reports.help_by"))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help=t("reports.help_format"))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=t("reports.help_output"))
@click.option("--print", "to_printer", is_flag=True, help=t("reports.help_print"))
@click.option("--reconcile", is_flag=True, help=t("reports.help_reconcile"))
def command(day: str | None, start: str | None, end: str | None, by: str, fmt: str,
            output: Path | None, to_printer: bool, reconcile: bool) -> None:
    date_from, date_to = period(day, start, end)
    report, queue = load_report(date_from, date_to, by)
    try:
        disagree = _reconcile(report, queue) if reconcile else 0
    finally:
        queue.close()  # type: ignore[attr-defined]
    _output(report, fmt, output, to_printer)
    if disagree:  # so cron can alert (issue 18); the report is written all the same
        raise SystemExit(1)


def _output(report: StationReport, fmt: str, output: Path | None, to_printer: bool) -> None:
    if to_printer:
        _print(report)
        if output is None:
            return
    write_report(fmt, output, document=report.document, data=report.to_dict, render_pdf=_pdf)


def _pdf(doc: Document, path: Path) -> None:
    from station.reports.pdf import render_pdf  # fpdf2 and the fonts only when asked for

    render_pdf(doc, path)


def _reconcile(report: StationReport, queue: object) -> int:
    """Check with the centre; the number of days that disagree."""
    from station.reports.client import reconcile
    from station.sync.client import SyncFailed

    try:
        report.reconciled = reconcile(report, queue)
    except SyncFailed as err:
        raise StationError("reports.reconcile_failed", reason=err.words()) from None
    bad = sum(not d.agrees for d in report.reconciled)
    echo(t("reports.reconcile_bad", bad=bad) if bad
               else t("reports.reconcile_ok", days=len(report.reconciled)), err=True)
    return bad


def _print(report: StationReport) -> None:
    from station import config, paths
    from station.hw.factory import make_printer
    from station.private_files import private_dir
    from station.reports.pdf import render_pdf

    folder = private_dir(paths.print_dir())  # the print folder is the staff account's alone
    # The file name holds only the station id and the period: nothing personal.
    pdf = folder / f"report-{report.station_id}-{report.date_from}-{report.date_to}.pdf"
    render_pdf(report.document(), pdf)
    printer = make_printer(config.load().printer)
    job = printer.submit(pdf, title=f"report {report.date_from}")
    state = printer.wait(job)
    echo(t("reports.printed", outcome=t(f"reports.job_{state.status.value}")), err=True)
