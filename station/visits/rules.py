"""The numbers a district sets for home visits: teams, capacity, hours, walking minutes.

They are data (``station/data/visits.toml``, overridable by a file the centre
publishes), because every street's distances and staffing differ.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import time
from importlib import resources
from pathlib import Path

from shared.errors import StationError


@dataclass(frozen=True)
class VisitRules:
    teams: tuple[str, ...] = ("上门一组",)
    capacity: int = 4  # visits per team per half-day
    windows: dict[str, tuple[time, time]] = field(default_factory=lambda: {
        "am": (time(9, 0), time(11, 30)), "pm": (time(13, 30), time(16, 30))})
    service_minutes: int = 20  # at the door, for the first matter
    extra_matter_minutes: int = 10  # each further matter in the same visit
    building_minutes: int = 3  # walking between buildings of one community
    base: str = "中心"  # where a team sets out from
    walking: dict[tuple[str, str], int] = field(default_factory=dict)
    default_walk: int = 20  # between two places the matrix does not name

    def walk(self, a: str, b: str) -> int:
        if a == b:
            return 0
        return self.walking.get((a, b), self.walking.get((b, a), self.default_walk))

    def service(self, matters: int) -> int:
        return self.service_minutes + self.extra_matter_minutes * max(0, matters - 1)


def _time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def load_rules(path: Path | None = None) -> VisitRules:
    """Rules from ``path`` or the packaged default; a bad file is named, never half-read."""
    try:
        if path is None:
            text = (resources.files("station") / "data" / "visits.toml").read_text("utf-8")
        else:
            text = Path(path).read_text("utf-8")
        data = tomllib.loads(text)
        walking = {}
        for row in data.get("walking", []):
            walking[(row["from"], row["to"])] = int(row["minutes"])
        windows = {half: (_time(v[0]), _time(v[1])) for half, v in data["windows"].items()}
        rules = VisitRules(
            teams=tuple(data["teams"]), capacity=int(data["capacity"]), windows=windows,
            service_minutes=int(data["service_minutes"]),
            extra_matter_minutes=int(data["extra_matter_minutes"]),
            building_minutes=int(data["building_minutes"]), base=data["base"],
            walking=walking, default_walk=int(data["default_walk"]))
    except (OSError, KeyError, ValueError, TypeError, tomllib.TOMLDecodeError) as err:
        raise StationError("visits.rules_bad", error=type(err).__name__) from None
    if rules.capacity < 1 or not rules.teams or set(rules.windows) != {"am", "pm"}:
        raise StationError("visits.rules_bad", error="values")
    return rules
