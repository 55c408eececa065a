"""Click's own words (``Usage:``, ``Options:``, ``Show this message and exit.``, its error
messages, metavars like ``TEXT``) in the staff's language, through the message catalogue.

Why this way: Click marks each of its texts with ``gettext`` (``from gettext import gettext
as _`` in each module, see https://click.palletsprojects.com/en/stable/api/ — "Click uses
Python's gettext for its own messages"), and ships no Chinese catalogue. Installing a
gettext catalogue would switch by the process's locale, not the station's language; so
each Click module's ``_``/``ngettext`` is pointed at a lookup in ``shared/messages/
click.toml`` (the English entries are Click's own texts, unchanged), and the help
formatter names the metavars (``TEXT``, ``CODE``, ``NAME|ID``…) from the same file.
Unknown texts pass through as Click wrote them, so a Click upgrade never breaks the CLI;
the zh help test then names what is new.
"""

from __future__ import annotations

import re
from functools import cache

import click
import click.formatting

from shared.i18n import catalogue, get_locale

_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui",
            "utils", "shell_completion")
_METAVAR = re.compile(r"\b[A-Z][A-Z0-9_]*\b")


@cache
def _by_msgid() -> dict[str, str]:
    """Click's msgid (its English text) → our key, from the en table of click.toml."""
    return {text: key for key, text in catalogue()["en"].items()
            if key.startswith("click.msg_")}


def _lookup(msgid: str) -> str:
    if get_locale() == "en":
        return msgid
    key = _by_msgid().get(msgid)
    if key is None:
        return msgid
    return catalogue()[get_locale()].get(key, msgid)


def gettext(message: str) -> str:
    return _lookup(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _lookup(singular if n == 1 else plural)


def metavar(text: str) -> str:
    """``TEXT`` → 文本, ``NAME|ID`` → 姓名|编号 (zh); anything unlisted unchanged."""
    if get_locale() == "en":
        return text
    names = catalogue()[get_locale()]

    def one(m: re.Match[str]) -> str:
        return names.get(f"click.metavar_{m.group(0)}", m.group(0))

    return _METAVAR.sub(one, text)


class StationHelpFormatter(click.HelpFormatter):
    """Metavars in the usage line and the option column, in the staff's language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, metavar(args), prefix)

    def write_heading(self, heading: str) -> None:
        if get_locale() == "en":
            super().write_heading(heading)
        else:  # Chinese text takes the full-width colon
            self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        super().write_dl([(metavar(a), b) for a, b in rows], col_max, col_spacing)


def install() -> None:
    """Point Click's texts at the catalogue; idempotent, cheap (no Click import beyond core)."""
    import importlib

    for name in _MODULES:
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:  # a module a future Click drops
            continue
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
    click.Context.formatter_class = StationHelpFormatter
