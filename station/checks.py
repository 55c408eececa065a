"""The result type shared by `station doctor` and the hardware diagnostics."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Status = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Check:
    name: str  # stable machine name, e.g. "pcscd"
    status: Status
    detail: str  # already translated, free of personal data
    hint: str = ""  # what to do next, translated; empty when status is ok

    def as_dict(self) -> dict[str, str]:
        return asdict(self)
