"""Whether a draft can be recorded, and the case it becomes.

Why its own module: the TUI and the CLI must record a case *exactly* the same
way (same validation, same errors), so both hand a ``CaseDraft`` to the desk,
which validates it here against the catalogue. What the catalogue decides — the
missing materials, the status, the promised date — is worked out here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime

from shared.errors import StationError
from shared.i18n import t
from shared.text import check_text, forbidden_char
from station.cases.model import (
    DELIVERIES,
    Case,
    CaseDraft,
    CaseStatus,
    Delivery,
    new_progress_token,
)
from station.catalogue import matters
from station.catalogue.answers import validate_answers
from station.codepoints import expand

MAX_NAME = 40
MAX_RELATION = 20
MAX_REASON = 200
ADULT_AGE = 18  # 民法典 第十七条: 十八周岁以上的自然人为成年人


def clean_name(name: str) -> str:
    """Whitespace tidied, ``U+XXXX`` typed for a rare character turned into it."""
    name = " ".join(check_text(expand(name or ""), "text.field_name").split())
    if not name:
        raise StationError("intake.name_empty")
    if len(name) > MAX_NAME:
        raise StationError("intake.name_too_long", max=MAX_NAME)
    return name


def clean_reason(reason: str) -> str:
    reason = " ".join(check_text(reason or "", "text.field_reason").split())
    if not reason:
        raise StationError("intake.reason_empty")
    return reason[:MAX_REASON]


def problems(draft: CaseDraft, today: date) -> list:
    """Every reason the draft cannot be recorded, as ``StationError``s (empty: recordable).

    Missing materials are not a problem: the case is recorded as 材料待补.
    """
    found: list[StationError] = []
    try:
        m = matters.matter(draft.matter)
    except StationError as err:
        return [err]
    try:
        clean_name(draft.resident.name)
    except StationError as err:
        found.append(err)
    eligible = matters.eligibility(m, draft.resident, today)
    if not eligible.ok:
        found.append(StationError("intake.not_eligible", reason=eligible.reason))
    delivery = draft.delivery or (m.delivery[0] if m.delivery else "centre")
    if delivery not in DELIVERIES:
        found.append(StationError("intake.delivery_unknown", allowed="/".join(DELIVERIES)))
    elif delivery not in m.delivery:
        found.append(StationError("intake.delivery_not_allowed", matter=m.code,
                                  delivery=t_delivery(delivery)))
    for key, message in validate_answers(m, draft.answers, delivery=delivery,
                                         today=today).items():
        found.append(StationError("intake.field_problem", field=key, message=message))
    known = {x.code for x in m.materials}
    for code in sorted(draft.materials - known):
        found.append(StationError("intake.material_unknown", matter=m.code, material=code[:20]))
    agent = draft.agent
    if agent is not None:
        if not agent.relation.strip():
            found.append(StationError("intake.agent_relation_empty"))
        elif len(agent.relation) > MAX_RELATION:
            found.append(StationError("intake.relation_too_long", max=MAX_RELATION))
        for text, field in ((agent.relation, "text.field_relation"),
                            (agent.name, "text.field_agent_name")):
            if (bad := forbidden_char(text or "")) is not None:
                found.append(StationError("text.control_char", field=t_field(field),
                                          position=bad[0], char=bad[1]))
        if agent.id.number == draft.resident.id.number:
            found.append(StationError("intake.agent_same_person"))
        elif agent.id.age(today) < ADULT_AGE:
            found.append(StationError("intake.agent_minor", age=agent.id.age(today),
                                      adult=ADULT_AGE))
    return found


def t_field(key: str) -> str:
    return t(key)


def t_delivery(delivery: str) -> str:
    return t(f"service.delivery_{delivery}")


def _derived(draft: CaseDraft, today: date) -> tuple[CaseStatus, tuple[str, ...], Delivery,
                                                     date | None]:

    m = matters.matter(draft.matter)
    delivery = draft.delivery or m.delivery[0]
    # What the answers make needed (a 低保 status needs its certificate), not every row.
    missing = tuple(x.code for x in m.materials
                    if x.needed(draft.answers, delivery) and x.code not in draft.materials)
    status: CaseStatus = "materials_pending" if missing else "accepted"
    # The promised time limit runs from the day the file is complete.
    due = None if missing else matters.due_date(m, today)
    return status, missing, delivery, due


def new_case(draft: CaseDraft, *, case_no: str, site: str, staff_id: str, outing_date: date,
             now: datetime) -> Case:
    """A validated draft (see ``problems``) turned into version 1 of a case."""

    status, missing, delivery, due = _derived(draft, outing_date)
    return Case(
        case_no=case_no, record_id="", version=0, status=status,
        resident=replace(draft.resident, name=clean_name(draft.resident.name)),
        matter=matters.matter(draft.matter).code, answers=_stripped(draft.answers),
        materials=frozenset(draft.materials), missing=missing, agent=draft.agent,
        delivery=delivery, site=site, staff_id=staff_id, outing_date=outing_date,
        created_at=now, updated_at=now, due_date=due, visit=draft.visit,
        duplicate_reason=" ".join(draft.duplicate_reason.split())[:MAX_REASON],
        progress_token=new_progress_token())


def amended(old: Case, draft: CaseDraft, *, reason: str, now: datetime) -> Case:
    status, missing, delivery, due = _derived(draft, now.date())
    if status == old.status and missing == old.missing and old.due_date is not None:
        due = old.due_date  # nothing changed about completeness: the promise stands
    return replace(old, status=status, answers=_stripped(draft.answers),
                   materials=frozenset(draft.materials), missing=missing, agent=draft.agent,
                   delivery=delivery, due_date=due, updated_at=now, reason=reason)


def _stripped(answers: Mapping[str, str]) -> dict[str, str]:
    return {k: str(v).strip() for k, v in answers.items() if str(v).strip()}
