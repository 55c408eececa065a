"""Warnings before a case is recorded twice: the same ID number under another name, or the
same matter for the same resident again on one day (issue 17 saw one ID under 7 names and
6 identical applications in a day, all accepted silently).

Why warnings and not refusals: a resident may have changed their name, or really file
twice (a second child's allowance); staff decide, and the reason they give is recorded in
the case, encrypted. Why an index: names and ID numbers exist only in the encrypted
payloads, so the day's cases are read once (each read audited by the queue) and the
index is then kept up to date as cases are recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.i18n import t
from station.cases.model import Case, CaseDraft


def _same_name(a: str, b: str) -> bool:
    return "".join(a.split()) == "".join(b.split())


@dataclass
class DayIndex:
    """Who was served with what on one day, from the decrypted cases (kept in memory only)."""

    names: dict[str, set[str]] = field(default_factory=dict)  # ID number → names
    matters: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # → case numbers

    def add(self, case: Case) -> None:
        if case.status == "withdrawn":
            return
        number = case.resident.id.number
        self.names.setdefault(number, set()).add(case.resident.name)
        self.matters.setdefault((number, case.matter), []).append(case.case_no)

    def warnings(self, draft: CaseDraft) -> list[str]:
        """Translated sentences, one per reason to stop and look; empty: nothing alike."""
        number, name = draft.resident.id.number, draft.resident.name
        found = []
        others = sorted(n for n in self.names.get(number, ()) if not _same_name(n, name))
        if others:
            found.append(t("intake.dup_other_name", names="、".join(others)))
        earlier = self.matters.get((number, draft.matter.strip().upper()), [])
        if earlier:
            found.append(t("intake.dup_same_matter", cases="、".join(earlier)))
        return found
