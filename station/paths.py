"""Where the station keeps its files.

platformdirs gives the right per-user folders on any laptop; ``STATION_HOME``
overrides all of them at once so tests, training copies and the tmux test each
get an isolated station without touching the real one.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP = "liudong-station"


def _home() -> Path | None:
    value = os.environ.get("STATION_HOME")
    return Path(value) if value else None


def data_dir() -> Path:
    home = _home()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP))


def config_dir() -> Path:
    home = _home()
    return home / "config" if home else Path(platformdirs.user_config_dir(APP))


def print_dir() -> Path:
    """Where the PDF-folder printer leaves documents when there is no CUPS printer."""
    home = _home()
    return home / "printed" if home else Path(platformdirs.user_documents_dir()) / "流动办事厅"


def config_file() -> Path:
    return config_dir() / "station.toml"


def queue_file() -> Path:
    return data_dir() / "queue.sqlite3"


def shared_font_cache_dir() -> Path:
    """The font cut every user of this install reads: built once by ``install.sh`` (whoever
    installs owns the virtualenv, so it is writable then and readable by all later).
    ``STATION_FONT_CACHE`` points it elsewhere (e.g. ``/var/cache/liudong-station``)."""
    value = os.environ.get("STATION_FONT_CACHE")
    return Path(value) if value else Path(sys.prefix) / "share" / APP / "fonts"


def user_font_cache_dir() -> Path:
    """The fallback when the shared cut is missing and its folder is not ours to write."""
    return Path(platformdirs.user_cache_dir(APP)) / "fonts"
