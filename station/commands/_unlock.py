"""What the station's own commands share: passphrases and an unlocked service.

Why passphrases never come as arguments: command lines end up in shell history
and in ``ps`` output on a shared laptop. They come from ``STATION_PASSPHRASE``
(and ``STATION_NEW_PASSPHRASE`` for a new staff member) or, with
``--passphrase-stdin``, one per line on standard input.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import click

from shared.errors import StationError
from shared.i18n import t

ENV = "STATION_PASSPHRASE"
ENV_NEW = "STATION_NEW_PASSPHRASE"


def passphrase_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--passphrase-stdin", "passphrase_stdin", is_flag=True,
                        help=t("cli.help_passphrase_stdin"))(fn)


def staff_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--staff", "staff", default=None, metavar="NAME|ID",
                        help=t("cli.help_staff"))(fn)


def passphrases(from_stdin: bool, count: int = 1) -> list[str]:
    """``count`` passphrases: stdin lines, or the environment variables (current, new)."""
    if from_stdin:
        lines = [line.rstrip("\r\n") for line in sys.stdin.read().splitlines()]
        found = [line for line in lines if line][:count]
    else:
        found = [v for v in (os.environ.get(ENV), os.environ.get(ENV_NEW))[:count] if v]
    if len(found) < count:
        raise StationError("service.passphrase_missing")
    return found


def open_unlocked(staff: str | None, passphrase: str):
    """The installed station, unlocked by ``staff`` (name or id; default the first one)."""
    from station.service import open_service

    service = open_service()
    members = service.staff()
    if staff is None:
        member = members[0]
    else:
        member = next((m for m in members if staff in (m.id, m.name)), None)
        if member is None:
            raise StationError("service.staff_unknown", staff=staff)
    service.unlock(member.id, passphrase)
    return service
