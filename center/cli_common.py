"""What every `center` command group needs: the store, a secret from the operator, the time.

Why its own module: `center`, `center report`, `center user|supervisor` and `center
calendar` are separate click groups; each used to carry (or reach into another's private)
copy of these, and the top-level CLI imports the groups, so they cannot import it back.
"""

from __future__ import annotations

import datetime as dt
import os
import sys

import click

from center.errors import CenterError
from shared.i18n import t


def open_store(ctx: click.Context):
    """The centre's database for this command, closed when the whole command ends."""
    from center.dbopen import open_checked  # says which database fault, and what to do

    root = ctx.find_root()
    store = open_checked(root.obj["db"], root.obj["home"])
    root.call_on_close(store.close)
    return store


def read_secret(from_stdin: bool, *, env: str, prompt: str, confirm: bool, minimum: int,
                too_short: str) -> str:
    """One line of stdin (`--…-stdin`), else the environment variable `env`, else a hidden
    prompt (the catalogue key `prompt`); shorter than `minimum` is refused with `too_short`."""
    if from_stdin:
        value = sys.stdin.readline().rstrip("\n")
    elif os.environ.get(env):
        value = os.environ[env]
    else:
        value = click.prompt(t(prompt), hide_input=True, confirmation_prompt=confirm)
    if len(value) < minimum:
        raise CenterError(too_short)
    return value


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
