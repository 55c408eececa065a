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
from station.commands._echo import echo, write  # printed text is never terminal control
from station.errors import StationError
from station.i18n import t
from station.reports.formats import FORMATS, render_csv, render_json, render_table


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


@click.group(name="report", invoke_without_command=True, help=t("reports.help_report"))
@click.option("--station", default=None, help=t("reports.help_station"))
@click.option("--date", "day", default=None, metavar="YYYY-MM-DD", help=t("reports.help_date"))
@click.option("--from", "start", default=None, metavar="YYYY-MM-DD", help=t("reports.help_from"))
@click.option("--to", "end", default=None, metavar="YYYY-MM-DD", help=t("reports.help_to"))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help=t("reports.help_format"))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=t("reports.help_output"))
@click.option("--today", default=None, metavar="YYYY-MM-DD", hidden=True,
              help="Count time limits as of this day (tests, re-runs).")
@click.pass_context
def report(ctx: click.Context, station: str | None, day: str | None, start: str | None,
           end: str | None, fmt: str, output: Path | None, today: str | None) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from center.reports.report import build_centre_report

    date_from, date_to = _period(day, start, end)
    as_of = _period(today, None, None)[0] if today else None
    rep = build_centre_report(_store(ctx), date_from=date_from, date_to=date_to,
                              station=station, today=as_of)
    if fmt == "pdf":
        from station.reports.pdf import render_pdf

        if output is None:
            raise CenterError("reports.pdf_needs_file")
        render_pdf(rep.document(), output)
        echo(t("reports.written", path=str(output)), err=True)
        return
    text = {"table": lambda: render_table(rep.document()),
            "csv": lambda: render_csv(rep.document()),
            "json": lambda: render_json(rep.to_dict())}[fmt]()
    if output is None:
        write(text)
    else:
        output.write_text(text, encoding="utf-8")
        echo(t("reports.written", path=str(output)), err=True)


@report.group(name="supervisor", help="Supervisor accounts for the report pages.")
def supervisor() -> None:
    pass


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


@supervisor.command("add")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@click.pass_context
def supervisor_add(ctx: click.Context, name: str, password_stdin: bool) -> None:
    from center.reports import accounts

    password = _password(password_stdin)
    if not accounts.add(_store(ctx), name, password):
        raise CenterError("reports.user_exists", user=name)
    echo(t("reports.user_added", user=name))


@supervisor.command("remove")
@click.argument("name")
@click.pass_context
def supervisor_remove(ctx: click.Context, name: str) -> None:
    from center.reports import accounts

    if not accounts.remove(_store(ctx), name):
        raise CenterError("reports.user_unknown", user=name)
    echo(t("reports.user_removed", user=name))


@supervisor.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from stdin.")
@click.pass_context
def supervisor_password(ctx: click.Context, name: str, password_stdin: bool) -> None:
    """Set a new password; every session of the account ends."""
    from center.reports import accounts

    password = _password(password_stdin)
    if not accounts.set_password(_store(ctx), name, password):
        raise CenterError("reports.user_unknown", user=name)
    echo(t("reports.user_password_set", user=name))


@supervisor.command("list")
@click.pass_context
def supervisor_list(ctx: click.Context) -> None:
    from center.reports import accounts

    for name in accounts.names(_store(ctx)):
        echo(name)
