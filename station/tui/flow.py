"""What the serve screens gather, step by step, before the case is recorded.

Why a plain object: each step is its own screen, and going back a step must keep what
was already chosen; the draft handed to the service is built from this in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ServeFlow:
    resident: Any  # station.people.Resident
    hints: list[str] = field(default_factory=list)
    guide: Any = None  # station.service.MatterGuide of the chosen matter
    ticked: set[str] = field(default_factory=set)  # material codes handed in
    answers: dict[str, str] = field(default_factory=dict)
    agent: Any = None  # station.people.Agent or None
    delivery: str | None = None
    outcome: Any = None  # station.service.RecordOutcome once recorded
    visit: str = ""  # home-visit appointment id when serving at the resident's door

    def known_answers(self) -> dict[str, str]:
        """The answers given, or before the form is filled the catalogue's normal ones."""
        if self.answers:
            return dict(self.answers)
        return {f.key: f.default for f in self.guide.fields if getattr(f, "default", "")}

    def needed(self, material: Any) -> bool:
        """Whether the answers so far make this material needed."""
        delivery = self.delivery or next((d.value for d in self.guide.deliveries), None)
        return bool(material.applies(self.known_answers(), delivery))

    def missing(self) -> list[Any]:
        return [m for m in self.guide.materials if self.needed(m) and m.code not in self.ticked]

    @property
    def matter(self) -> str:
        return self.guide.matter.code

    def draft(self) -> Any:
        from station.cases.model import CaseDraft

        return CaseDraft(
            resident=self.resident,
            matter=self.matter,
            answers=dict(self.answers),
            materials=frozenset(self.ticked),
            agent=self.agent,
            delivery=self.delivery,  # type: ignore[arg-type]
            visit=self.visit,
        )
