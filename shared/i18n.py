"""The one message catalogue every user-facing string goes through.

Messages live in ``shared/messages/<domain>.toml`` with one table per locale
(``[zh_CN]``, ``[en]``); keys are addressed as ``"<domain>.<key>"``. Splitting by
domain keeps each part of the product owning its own strings while a single
lookup (and a single test for untranslated strings) covers them all.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from importlib import resources
from string import Formatter

DEFAULT_LOCALE = "zh_CN"
LOCALES = ("zh_CN", "en")

_locale = os.environ.get("STATION_LANG", DEFAULT_LOCALE)
if _locale not in LOCALES:
    _locale = DEFAULT_LOCALE


# Papers a resident takes home are Chinese whatever language staff chose; the override is
# per thread/task (a ContextVar), so rendering a receipt never flips the staff's screen.
RESIDENT_LOCALE = "zh_CN"
_override: ContextVar[str | None] = ContextVar("station_locale_override", default=None)


class MissingMessage(KeyError):
    """A key that no catalogue file defines: a programming error, caught by tests."""


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """All messages as {locale: {"domain.key": text}}, loaded once."""
    merged: dict[str, dict[str, str]] = {loc: {} for loc in LOCALES}
    folder = resources.files("shared") / "messages"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        domain = entry.name.removesuffix(".toml")
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        for loc in LOCALES:
            for key, text in data.get(loc, {}).items():
                merged[loc][f"{domain}.{key}"] = text
    return merged


def set_locale(locale: str) -> None:
    global _locale
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r}; choose one of {', '.join(LOCALES)}")
    _locale = locale


def get_locale() -> str:
    return _override.get() or _locale


@contextmanager
def locale_as(locale: str) -> Iterator[None]:
    """Texts in ``locale`` inside the block, for this thread only (residents' papers)."""
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r}; choose one of {', '.join(LOCALES)}")
    token = _override.set(locale)
    try:
        yield
    finally:
        _override.reset(token)


def t(key: str, /, **params: object) -> str:
    """Text for ``key`` in the current locale, falling back to zh_CN, never to the key."""
    msgs = catalogue()
    text = msgs[_override.get() or _locale].get(key)
    if text is None:
        text = msgs[DEFAULT_LOCALE].get(key)
    if text is None:
        raise MissingMessage(key)
    return text.format(**params) if params else text


def placeholders(text: str) -> set[str]:
    """Field names used in a message, so tests can check both locales agree."""
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def all_texts() -> set[str]:
    """Every rendered-able template in every locale, for the "shown text is catalogued" test."""
    return {text for loc in catalogue().values() for text in loc.values()}
