"""`center report`: the centre report, `center report supervisor …` for page accounts.

Why the group lives here: `center report` itself takes the report's options
(`--station`, `--date`/`--from`/`--to`, `--format`); the centre's CLI adds this group
and keeps hanging its own `coverage` command on it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from center.cli_common import open_store
from center.errors import CenterError
from shared.errors import StationError
from shared.i18n import t
from shared.reports.document import Document
from shared.reports.formats import FORMATS
from shared.reports.output import write_report
from shared.reports.period import period


def _period(day: str | None, start: str | None, end: str | None) -> tuple[date, date]:
    try:
        return period(day, start, end)
    except StationError as err:  # the same sentence, as the centre's error type
        raise CenterError(err.key, **err.params) from None


@click.group(name="report", invoke_without_command=True, help=t("reports.help_centre_report"))
@click.option("--station", default=None, help=t("reports.help_station"))
@click.option("--date", "--day", "day", default=None, metavar="YYYY-MM-DD",
              help=t("reports.help_date"))
@click.option("--from", "start", default=None, metavar="YYYY-MM-DD", help=t("reports.help_from"))
@click.option("--to", "end", default=None, metavar="YYYY-MM-DD", help=t("reports.help_to"))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help=t("reports.help_format"))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=t("reports.help_output"))
@click.option("--detail", is_flag=True, help=t("reports.help_detail"))
@click.option("--today", default=None, metavar="YYYY-MM-DD", hidden=True,
              help="Count time limits as of this day (tests, re-runs).")
@click.pass_context
def report(ctx: click.Context, station: str | None, day: str | None, start: str | None,
           end: str | None, fmt: str, output: Path | None, detail: bool,
           today: str | None) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from center.reports.report import build_centre_report

    date_from, date_to = _period(day, start, end)
    as_of = _period(today, None, None)[0] if today else None
    rep = build_centre_report(open_store(ctx), date_from=date_from, date_to=date_to,
                              station=station, today=as_of)
    # one station or one day is already the detail a supervisor clicked through to
    detail = detail or station is not None or date_from == date_to
    write_report(fmt, output, document=lambda: rep.document(detail), data=rep.to_dict,
                 render_pdf=_pdf, error=CenterError)


def _pdf(doc: Document, path: Path) -> None:
    from station.reports.pdf import render_pdf  # fpdf2 and the fonts only when asked for

    render_pdf(doc, path)

