"""`center user add|remove|reset-password|list`: every web account, with its role;
`center supervisor …` the same commands for supervisors.

Why one group for all roles: supervisors, case workers and admins share the login,
the sessions and the throttle (center/reports/accounts.py); only the role differs.
`center supervisor …` (issue 18) stays, built by the same `account_group` with the role
fixed to supervisor, so district IT's notes keep working. Help is Chinese first.
"""

from __future__ import annotations

import click

from center.cli_common import open_store, read_secret
from center.errors import CenterError
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


def read_password(from_stdin: bool) -> str:
    """`--password-stdin`, else CENTER_SUPERVISOR_PASSWORD, else asked twice."""
    from center.reports.accounts import MIN_PASSWORD

    return read_secret(from_stdin, env="CENTER_SUPERVISOR_PASSWORD",
                       prompt="reports.password_prompt", confirm=True, minimum=MIN_PASSWORD,
                       too_short="reports.password_short")


def _add(ctx: click.Context, name: str, password_stdin: bool, role: str) -> None:
    from center.reports import accounts
    from shared.text import is_plain

    if not name.strip() or len(name) > 64 or not is_plain(name):
        raise CenterError("office.bad_account_name")
    password = read_password(password_stdin)
    if not accounts.add(open_store(ctx), name, password, role):
        raise CenterError("office.user_exists", user=name)
    echo(t("office.user_added", user=name, role=_role_label(role)))


def _remove(ctx: click.Context, name: str) -> None:
    from center.reports import accounts

    if not accounts.remove(open_store(ctx), name):
        raise CenterError("office.user_unknown", user=name)
    echo(t("office.user_removed", user=name))


def _reset(ctx: click.Context, name: str, password_stdin: bool) -> None:
    from center.reports import accounts

    store = open_store(ctx)
    if not accounts.exists(store, name):  # before asking for a password in vain
        raise CenterError("office.user_unknown", user=name)
    if not accounts.set_password(store, name, read_password(password_stdin)):
        raise CenterError("office.user_unknown", user=name)
    echo(t("office.password_reset_done", user=name))


def _list(ctx: click.Context, role: str | None, names_only: bool = False) -> None:
    """`names_only`: one name a line and nothing when empty (`center supervisor list`,
    which scripts read)."""
    from center.reports import accounts

    rows = accounts.listing(open_store(ctx), role)
    if not rows and not names_only:
        echo(t("office.no_users"))
    for name, code in rows:
        echo(name if names_only else f"{name}\t{_role_label(code)}\t{code}")


# The catalogue keys of each group's help texts.
USER_HELP = {"group": "office.help_user", "short": "office.help_user_short",
             "add": "office.help_user_add", "remove": "office.help_user_remove",
             "reset": "office.help_user_reset", "list": "office.help_user_list"}
SUPERVISOR_HELP = {"group": "center.help_supervisor", "short": "center.help_supervisor_short",
                   "add": "center.help_sup_add", "remove": "center.help_sup_remove",
                   "reset": "center.help_sup_reset", "list": "center.help_sup_list"}


def account_group(name: str, helps: dict[str, str], role: str | None = None) -> click.Group:
    """`role` None: every account, the role an option; a role code: that role's accounts
    only, and `list` prints bare names (scripts read `center supervisor list`)."""

    def role_option(**kwargs: object):
        return (lambda f: f) if role is not None else click.option("--role", "role_text",
                                                                   **kwargs)

    @click.group(name=name, help=t(helps["group"]), short_help=t(helps["short"]))
    def group() -> None:
        pass

    @group.command("add", help=t(helps["add"]))
    @click.argument("name")
    @role_option(required=True, help=t("office.help_role"))
    @click.option("--password-stdin", is_flag=True, help=t("center.help_password_stdin"))
    @click.pass_context
    def add(ctx: click.Context, name: str, password_stdin: bool,
            role_text: str | None = None) -> None:
        _add(ctx, name, password_stdin, role or role_code(role_text or ""))

    @group.command("remove", help=t(helps["remove"]))
    @click.argument("name")
    @click.pass_context
    def remove(ctx: click.Context, name: str) -> None:
        _remove(ctx, name)

    @group.command("reset-password", help=t(helps["reset"]))
    @click.argument("name")
    @click.option("--password-stdin", is_flag=True, help=t("center.help_password_stdin"))
    @click.pass_context
    def reset(ctx: click.Context, name: str, password_stdin: bool) -> None:
        _reset(ctx, name, password_stdin)

    @group.command("list", help=t(helps["list"]))
    @role_option(default=None, help=t("office.help_role_filter"))
    @click.pass_context
    def list_(ctx: click.Context, role_text: str | None = None) -> None:
        if role is not None:
            _list(ctx, role, names_only=True)
        else:
            _list(ctx, role_code(role_text) if role_text else None)

    return group


user = account_group("user", USER_HELP)
supervisor = account_group("supervisor", SUPERVISOR_HELP, role="supervisor")
