"""Data files the centre can update in the field: the packaged copy, overridden by an installed one.

Why one helper: the catalogue and the holiday calendar follow the same rule — an update the
centre published (pulled by sync, validated, written atomically) wins over the copy shipped in
the package, and a broken update must never stop the street: the packaged copy is used and a
warning (no personal data) is logged, so `station doctor` can show which one is in force.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Generic, TypeVar

from shared.errors import StationError

T = TypeVar("T")


class UpdatableDataFile(Generic[T]):
    """``station/data/<name>`` in the package, or ``<data dir>/<name>`` once installed."""

    def __init__(self, name: str, load: Callable[[Path], T], *, logger: str) -> None:
        self.name = name
        self._load = load
        self._log = logging.getLogger(logger)
        # Parsed files are cached by path and mtime: a fresh install is seen at once.
        self._cached = cache(lambda path, stamp: load(Path(path)))
        self._packaged = cache(lambda: load(self.packaged_path()))

    def packaged_path(self) -> Path:
        return Path(str(resources.files("station") / "data" / self.name))

    def installed_path(self) -> Path:
        from station.paths import data_dir

        return data_dir() / self.name

    def load(self, path: str | Path | None = None) -> T:
        """A given file, else the installed update, else the packaged copy."""
        if path is not None:
            return self._load(Path(path))
        installed = self.installed_path()
        try:
            stamp = installed.stat().st_mtime_ns
        except OSError:
            return self._packaged()
        try:
            return self._cached(str(installed), stamp)
        except StationError:
            self._log.warning("installed %s unusable; using the packaged copy", self.name)
            return self._packaged()

    def install(self, text: str) -> None:
        """Put already-validated text in force, atomically (a crash leaves old or new)."""
        target = self.installed_path()
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
