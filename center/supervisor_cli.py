"""`center supervisor add|remove|reset-password|list`: accounts for the report pages.

Why a top-level group beside `center report supervisor`: district IT looks for
accounts in `center --help`, not under the report's options (issue 18). Both groups
act on the same table (center/reports/accounts.py); help is Chinese first.
"""

from __future__ import annotations

import click

from center.errors import CenterError
from center.reports.cli import _password, _store
from station.commands._echo import echo
from station.i18n import t


@click.group(name="supervisor", help=t("center.help_supervisor"),
             short_help=t("center.help_supervisor_short"))
def supervisor() -> None:
    pass


@supervisor.command("add", help=t("center.help_sup_add"))
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help=t("center.help_password_stdin"))
@click.pass_context
def add(ctx: click.Context, name: str, password_stdin: bool) -> None:
    from center.reports import accounts

    password = _password(password_stdin)
    if not accounts.add(_store(ctx), name, password):
        raise CenterError("reports.user_exists", user=name)
    echo(t("reports.user_added", user=name))


@supervisor.command("remove", help=t("center.help_sup_remove"))
@click.argument("name")
@click.pass_context
def remove(ctx: click.Context, name: str) -> None:
    from center.reports import accounts

    if not accounts.remove(_store(ctx), name):
        raise CenterError("reports.user_unknown", user=name)
    echo(t("reports.user_removed", user=name))


@supervisor.command("reset-password", help=t("center.help_sup_reset"))
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help=t("center.help_password_stdin"))
@click.pass_context
def reset_password(ctx: click.Context, name: str, password_stdin: bool) -> None:
    from center.reports import accounts

    store = _store(ctx)
    if not accounts.exists(store, name):  # before asking for a password in vain
        raise CenterError("reports.user_unknown", user=name)
    if not accounts.set_password(store, name, _password(password_stdin)):
        raise CenterError("reports.user_unknown", user=name)
    echo(t("center.password_reset_done", user=name))


@supervisor.command("list", help=t("center.help_sup_list"))
@click.pass_context
def list_(ctx: click.Context) -> None:
    from center.reports import accounts

    for name in accounts.names(_store(ctx)):
        echo(name)
