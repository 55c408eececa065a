"""`center report`: the centre report, `center report supervisor …` for page accounts.

Why the group lives here: `center report` itself takes the report's options
(`--station`, `--date`/`--from`/`--to`, `--format`); the centre's CLI adds this group
and keeps hanging its own `coverage` command on it.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import click

from center.errors import CenterError
from shared.echo import echo, write  # printed text is never terminal control
from shared.errors import StationError
from shared.i18n import t
from shared.reports.formats import FORMATS, render_csv, render_json, render_table


def _store(ctx: click.Context):
    from center.dbopen import open_checked  # says which database fault, and what to do

    root = ctx.find_root()
    store = open_checked(root.obj["db"], root.obj["home"])
    root.call_on_close(store.close)
    return store


def _period(day: str | None, start: str | None, end: str | None) -> tuple[date, date]:
    from station.commands.report import period

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
    rep = build_centre_report(_store(ctx), date_from=date_from, date_to=date_to,
                              station=station, today=as_of)
    # one station or one day is already the detail a supervisor clicked through to
    detail = detail or station is not None or date_from == date_to
    if fmt == "pdf":
        from station.reports.pdf import render_pdf

        if output is None:
            raise CenterError("reports.pdf_needs_file")
        render_pdf(rep.document(detail), output)
        echo(t("reports.written", path=str(output)), err=True)
        return
    text = {"table": lambda: render_table(rep.document(detail)),
            "csv": lambda: render_csv(rep.document(detail)),
            "json": lambda: render_json(rep.to_dict())}[fmt]()
    if output is None:
        write(text)
    else:
        # Excel on a Chinese Windows reads a CSV without BOM as GBK: the BOM says UTF-8
        output.write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
        echo(t("reports.written", path=str(output)), err=True)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        value = sys.stdin.readline().rstrip("\n")
    elif os.environ.get("CENTER_SUPERVISOR_PASSWORD"):
        value = os.environ["CENTER_SUPERVISOR_PASSWORD"]
    else:
        value = click.prompt(t("reports.password_prompt"), hide_input=True,
                             confirmation_prompt=True)
    from center.reports.accounts import MIN_PASSWORD

    if len(value) < MIN_PASSWORD:
        raise CenterError("reports.password_short")
    return value
