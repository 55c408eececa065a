"""The station's own settings, in one TOML file at ``station.paths.config_file()``.

Why TOML and why typed: an administrator may open the file in an editor on the
laptop, and every part of the code reads the same fields with the same types.
The file holds no secrets and nothing personal: staff are listed by name and
key-slot id (their passphrases only ever wrap the queue's data key). Tables
this module does not know (e.g. ``[sync]`` added by the sync client) are kept
as they are on every save, so other parts can extend the file.
"""

from __future__ import annotations

import json
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.errors import StationError
from shared.i18n import DEFAULT_LOCALE, LOCALES
from station import paths

# Letters only, no I/O: read aloud over the phone, and a case number built from it
# never has a digit run the queue's clear-metadata guard would take for an ID number.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ"
# Local copies of personal data stay at most this long after their outing day.
MAX_RETENTION_DAYS = 30


@dataclass
class StaffEntry:
    id: str  # also the queue key-slot name
    name: str


@dataclass
class CentreConfig:
    """Filled in at enrolment by the sync client; empty means "no centre yet" (offline)."""

    url: str = ""
    public_key: str = ""  # the centre's HPKE public key, base64
    suite: str = ""  # HPKE suite name, empty = the queue's default


@dataclass
class StationConfig:
    station_id: str
    name: str
    sites: list[str]
    staff: list[StaffEntry] = field(default_factory=list)
    locale: str = "zh_CN"  # the interface language last chosen (the F11 switch)
    idle_lock_minutes: int = 5
    reader: str = "auto"  # "auto" | "pcsc" | "simulated"
    # The 二代证 reader's serial port: "auto" (probe USB serial ports) | "off" | a path
    idcard_port: str = "auto"
    printer: str = "auto"  # "auto" | "pdf" | "cups" | "cups:<queue name>"
    paper: str = "a4"  # "a4" | "roll80"
    # Days a local copy stays after its outing day (0 = until the day is over); see
    # station.retention. The centre's copy is not affected.
    retention_days: int = 0
    centre: CentreConfig = field(default_factory=CentreConfig)
    extra: dict[str, Any] = field(default_factory=dict)  # tables owned by other parts

    def staff_by_id(self, staff_id: str) -> StaffEntry | None:
        return next((s for s in self.staff if s.id == staff_id), None)

    def next_staff_id(self) -> str:
        used = {s.id for s in self.staff}
        n = 1
        while f"s{n:02d}" in used:
            n += 1
        return f"s{n:02d}"


def new_station_id() -> str:
    """Six unambiguous letters: short enough to be part of a case number."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(6))


def exists(path: Path | None = None) -> bool:
    return (path or paths.config_file()).is_file()


def load(path: Path | None = None) -> StationConfig:
    path = path or paths.config_file()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StationError("service.not_initialised") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        raise StationError("service.config_broken", path=str(path)) from None
    station = dict(data.pop("station", {}))
    try:
        staff = [StaffEntry(id=str(s["id"]), name=str(s["name"])) for s in data.pop("staff", [])]
        centre = CentreConfig(**{k: str(v) for k, v in data.pop("centre", {}).items()
                                 if k in CentreConfig.__dataclass_fields__})
        return StationConfig(
            station_id=str(station["id"]),
            name=str(station["name"]),
            sites=[str(s) for s in station.get("sites", [])],
            staff=staff,
            locale=_locale(station.get("locale")),
            idle_lock_minutes=int(station.get("idle_lock_minutes", 5)),
            reader=str(station.get("reader", "auto")),
            idcard_port=str(station.get("idcard_port", "auto")),
            printer=str(station.get("printer", "auto")),
            paper=str(station.get("paper", "a4")),
            retention_days=_retention_days(station.get("retention_days", 0)),
            centre=centre,
            extra=data,
        )
    except (KeyError, TypeError, ValueError):
        raise StationError("service.config_broken", path=str(path)) from None


def _retention_days(value: Any) -> int:
    """A whole number of days in range; anything else is said, not guessed at."""
    if isinstance(value, bool) or not isinstance(value, int) \
            or not 0 <= value <= MAX_RETENTION_DAYS:
        raise StationError("retention.window_bad", max=MAX_RETENTION_DAYS)
    return value


def _locale(value: Any) -> str:
    # Hand-edited to a language the catalogue lacks: start in the default, do not refuse.
    return value if value in LOCALES else DEFAULT_LOCALE


def save(cfg: StationConfig, path: Path | None = None) -> None:
    """Atomic replace, so a power cut never leaves half a config file."""
    path = path or paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {
        "station": {
            "id": cfg.station_id, "name": cfg.name, "sites": list(cfg.sites),
            "locale": cfg.locale, "idle_lock_minutes": cfg.idle_lock_minutes,
            "reader": cfg.reader, "idcard_port": cfg.idcard_port,
            "printer": cfg.printer, "paper": cfg.paper,
            "retention_days": cfg.retention_days,
        },
        "centre": {"url": cfg.centre.url, "public_key": cfg.centre.public_key,
                   "suite": cfg.centre.suite},
        **{k: v for k, v in cfg.extra.items() if k not in ("station", "centre", "staff")},
        "staff": [{"id": s.id, "name": s.name} for s in cfg.staff],
    }
    from station.private_files import write_private_text

    write_private_text(path, dumps(doc))  # it carries the station's pinned keys: owner only


# ------------------------------------------------------------------ a small TOML writer
# The standard library reads TOML but does not write it; the config needs only
# strings, numbers, booleans, lists, tables and arrays of tables.


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # JSON string escapes are valid TOML
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _key(k: str) -> str:
    bare = k and all(c.isascii() and (c.isalnum() or c in "-_") for c in k)
    return k if bare else json.dumps(k, ensure_ascii=False)


def _table(prefix: str, table: dict[str, Any], out: list[str]) -> None:
    scalars = {k: v for k, v in table.items() if not _is_table(v) and not _is_table_array(v)}
    if prefix:
        out.append(f"\n[{prefix}]")
    out.extend(f"{_key(k)} = {_value(v)}" for k, v in scalars.items())
    for k, v in table.items():
        name = f"{prefix}.{_key(k)}" if prefix else _key(k)
        if _is_table(v):
            _table(name, v, out)
        elif _is_table_array(v):
            for item in v:
                out.append(f"\n[[{name}]]")
                out.extend(f"{_key(ik)} = {_value(iv)}" for ik, iv in item.items())


def _is_table(v: Any) -> bool:
    return isinstance(v, dict)


def _is_table_array(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def dumps(doc: dict[str, Any]) -> str:
    out: list[str] = []
    _table("", doc, out)
    return "\n".join(out).lstrip("\n") + "\n"
