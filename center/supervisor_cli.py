"""`center supervisor add|remove|reset-password|list`: `center user …` for supervisors.

Why it stays: district IT's notes from issue 18 name this group; it is now the
`center user` commands (center/user_cli.py) with the role fixed to supervisor.
Help is Chinese first.
"""

from __future__ import annotations

import click

from center.user_cli import _add, _list, _remove, _reset
from shared.i18n import t


@click.group(name="supervisor", help=t("center.help_supervisor"),
             short_help=t("center.help_supervisor_short"))
def supervisor() -> None:
    pass


@supervisor.command("add", help=t("center.help_sup_add"))
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help=t("center.help_password_stdin"))
@click.pass_context
def add(ctx: click.Context, name: str, password_stdin: bool) -> None:
    _add(ctx, name, password_stdin, "supervisor")


@supervisor.command("remove", help=t("center.help_sup_remove"))
@click.argument("name")
@click.pass_context
def remove(ctx: click.Context, name: str) -> None:
    _remove(ctx, name)


@supervisor.command("reset-password", help=t("center.help_sup_reset"))
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help=t("center.help_password_stdin"))
@click.pass_context
def reset_password(ctx: click.Context, name: str, password_stdin: bool) -> None:
    _reset(ctx, name, password_stdin)


@supervisor.command("list", help=t("center.help_sup_list"))
@click.pass_context
def list_(ctx: click.Context) -> None:
    _list(ctx, "supervisor", names_only=True)
