"""`center user add|remove|reset-password|list`: every web account, with its role.

Why one group for all roles: supervisors, case workers and admins share the login,
the sessions and the throttle (center/reports/accounts.py); only the role differs.
`center supervisor …` (issue 18) stays as the same commands with the role fixed to
supervisor, so district IT's notes keep working. Help is Chinese first.
"""

from __future__ import annotations

import click

from center.errors import CenterError
from center.reports.cli import _password, _store
from shared.echo import echo
from shared.i18n import t

# What staff may type for a role: the code, or its Chinese name.
ROLE_WORDS = {"supervisor": "supervisor", "主管": "supervisor",
              "caseworker": "caseworker", "办件员": "caseworker", "受理员": "caseworker",
              "admin": "admin", "管理员": "admin"}


def role_code(text: str) -> str:
    code = ROLE_WORDS.get((text or "").strip().lower()) or ROLE_WORDS.get((text or "").strip())
    if code is None:
        raise CenterError("office.bad_role", role=text[:20],
                          allowed=" / ".join(f"{t('office.role_' + c)}({c})"
                                             for c in ("supervisor", "caseworker", "admin")))
    return code


def _role_label(code: str) -> str:
    return t(f"office.role_{code}")


def _add(ctx: click.Context, name: str, password_stdin: bool, role: str) -> None:
    from center.reports import accounts
    from shared.text import is_plain

    if not name.strip() or len(name) > 64 or not is_plain(name):
        raise CenterError("office.bad_account_name")
    password = _password(password_stdin)
    if not accounts.add(_store(ctx), name, password, role):
        raise CenterError("office.user_exists", user=name)
    echo(t("office.user_added", user=name, role=_role_label(role)))


def _remove(ctx: click.Context, name: str) -> None:
    from center.reports import accounts

    if not accounts.remove(_store(ctx), name):
        raise CenterError("office.user_unknown", user=name)
    echo(t("office.user_removed", user=name))


def _reset(ctx: click.Context, name: str, password_stdin: bool) -> None:
    from center.reports import accounts

    store = _store(ctx)
    if not accounts.exists(store, name):  # before asking for a password in vain
        raise CenterError("office.user_unknown", user=name)
    if not accounts.set_password(store, name, _password(password_stdin)):
        raise CenterError("office.user_unknown", user=name)
    echo(t("office.password_reset_done", user=name))


def _list(ctx: click.Context, role: str | None, names_only: bool = False) -> None:
    """`names_only`: one name a line and nothing when empty (`center supervisor list`,
    which scripts read)."""
    from center.reports import accounts

    rows = accounts.listing(_store(ctx), role)
    if not rows and not names_only:
        echo(t("office.no_users"))
    for name, code in rows:
        echo(name if names_only else f"{name}\t{_role_label(code)}\t{code}")


@click.group(name="user", help=t("office.help_user"), short_help=t("office.help_user_short"))
def user() -> None:
    pass


@user.command("add", help=t("office.help_user_add"))
@click.argument("name")
@click.option("--role", "role", required=True, help=t("office.help_role"))
@click.option("--password-stdin", is_flag=True, help=t("center.help_password_stdin"))
@click.pass_context
def user_add(ctx: click.Context, name: str, role: str, password_stdin: bool) -> None:
    _add(ctx, name, password_stdin, role_code(role))


@user.command("remove", help=t("office.help_user_remove"))
@click.argument("name")
@click.pass_context
def user_remove(ctx: click.Context, name: str) -> None:
    _remove(ctx, name)


@user.command("reset-password", help=t("office.help_user_reset"))
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help=t("center.help_password_stdin"))
@click.pass_context
def user_reset(ctx: click.Context, name: str, password_stdin: bool) -> None:
    _reset(ctx, name, password_stdin)


@user.command("list", help=t("office.help_user_list"))
@click.option("--role", "role", default=None, help=t("office.help_role_filter"))
@click.pass_context
def user_list(ctx: click.Context, role: str | None) -> None:
    _list(ctx, role_code(role) if role else None)
