"""What the serve screens gather, step by step, before the case is recorded.

Why a plain object: each step is its own screen, and going back a step must keep what
was already chosen; the draft handed to the service is built from this in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ServeFlow:
    resident: Any  # station.intake.Resident
    hints: list[str] = field(default_factory=list)
    guide: Any = None  # station.service.MatterGuide of the chosen matter
    ticked: set[str] = field(default_factory=set)  # material codes handed in
    answers: dict[str, str] = field(default_factory=dict)
    agent: Any = None  # station.intake.Agent or None
    delivery: str | None = None
    outcome: Any = None  # station.service.RecordOutcome once recorded
    visit: str = ""  # home-visit appointment id when serving at the resident's door

    @property
    def matter(self) -> str:
        return self.guide.matter.code

    def draft(self) -> Any:
        from station.intake import CaseDraft

        return CaseDraft(
            resident=self.resident,
            matter=self.matter,
            answers=dict(self.answers),
            materials=frozenset(self.ticked),
            agent=self.agent,
            delivery=self.delivery,  # type: ignore[arg-type]
            visit=self.visit,
        )
