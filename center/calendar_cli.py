"""`center calendar publish FILE`: send a year's holiday schedule down to every station.

Why the centre: a new year's notice (国务院办公厅《关于 YYYY 年部分节假日安排的通知》) must
reach stations before a new chinesecalendar release does; until then their promised dates
for that year are marked estimates. The file is untrusted input (typed by hand from the
notice): it is checked with the same strict rules the station applies on arrival.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import click

from center.cli_common import now_iso, open_store
from center.errors import CenterError
from shared.echo import echo
from shared.i18n import t
from station.catalogue.calendar import parse_calendar_text
from station.catalogue.model import CatalogueError, CatalogueFileError


@click.group(name="calendar", help=t("calendar.center_help_group"))
def calendar() -> None:
    pass


@calendar.command("publish", help=t("calendar.center_help_publish"))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def calendar_publish(ctx: click.Context, file: Path) -> None:
    raw = file.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise CenterError("calendar.center_not_text") from err
    try:
        days = parse_calendar_text(text)
    except (CatalogueError, CatalogueFileError) as err:
        raise CenterError("calendar.center_bad_file", problem=err.message()) from None
    body = {"uid": uuid.uuid4().hex, "year": days.year, "version": days.version,
            "sha256": hashlib.sha256(raw).hexdigest(), "content": text, "at": now_iso()}
    open_store(ctx).add_update(None, "calendar", body)
    echo(t("calendar.center_published", year=days.year, version=days.version))
