"""A case as the desk records it: who, what, with which papers, and what happens next.

Why its own module: the TUI and the CLI must record a case *exactly* the same
way (same validation, same errors), so both hand a ``CaseDraft`` to the service,
which validates it here against the catalogue. The queue payload and the clear
metadata are built here too, in one place, so a test can prove that nothing
personal ever reaches the clear columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Literal

from station.people import ResidentId

Delivery = Literal["centre", "visit", "post"]
DELIVERIES: tuple[Delivery, ...] = ("centre", "visit", "post")

# accepted = 已受理; materials_pending = 材料待补; withdrawn = 已撤回
CaseStatus = Literal["accepted", "materials_pending", "withdrawn"]
STATUSES: tuple[CaseStatus, ...] = ("accepted", "materials_pending", "withdrawn")

CASE_KIND = "case"  # the queue record kind of every case version


@dataclass(frozen=True)
class Resident:
    """The person served. ``repr`` hides the name and number so a stray log line leaks nothing."""

    id: ResidentId = field(repr=False)
    name: str = field(repr=False)
    source: Literal["card", "training", "typed"] = "typed"  # training = simulated reader
    warnings: tuple[str, ...] = ()  # message keys from the card read, e.g. "hw.card_expired"
    address: str = field(default="", repr=False)  # 身份证 only: 户籍地址, pre-fills visits
    card_kind: str = ""  # "sscard" | "idcard" when read from a card

    @property
    def masked_id(self) -> str:
        return self.id.masked

    def age(self, on: date | None = None) -> int:
        return self.id.age(on)


@dataclass(frozen=True)
class Agent:
    """帮办代办: someone applying for the resident; their ID is checked like the resident's."""

    id: ResidentId = field(repr=False)
    relation: str
    name: str = field(default="", repr=False)


@dataclass(frozen=True)
class CaseDraft:
    """What the desk gathered before "record"; the service adds site, staff and date."""

    resident: Resident
    matter: str  # catalogue code, e.g. "MZ01"
    answers: Mapping[str, str] = field(default_factory=dict, repr=False)  # form field key → text
    materials: frozenset[str] = frozenset()  # material codes ticked as handed in
    agent: Agent | None = None
    delivery: Delivery | None = None  # None → the matter's default way
    visit: str = ""  # the home-visit appointment this case is served on (station.visits)
    # Why staff went on despite a duplicate warning (station.cases.duplicates); encrypted.
    duplicate_reason: str = field(default="", repr=False)


@dataclass(frozen=True)
class Case:
    """One recorded case at its latest version (decrypted: only while unlocked)."""

    case_no: str  # what the resident quotes, e.g. "KTQBMR-261122-003"
    record_id: str  # the queue's record id (stable across versions)
    version: int
    status: CaseStatus
    resident: Resident = field(repr=False)
    matter: str
    answers: Mapping[str, str] = field(repr=False)
    materials: frozenset[str]
    missing: tuple[str, ...]  # material codes still to bring (材料待补 when non-empty)
    agent: Agent | None = field(repr=False)
    delivery: Delivery
    site: str
    staff_id: str
    outing_date: date
    created_at: datetime
    updated_at: datetime
    due_date: date | None  # promised date (承诺时限 in working days); None when withdrawn
    rating: int | None = None  # 好差评 1–5, None until the resident rates (or skips)
    reason: str = ""  # why the latest amendment / withdrawal was made
    visit: str = ""  # appointment id when recorded on a home visit
    duplicate_reason: str = field(default="", repr=False)  # see CaseDraft
    # The resident's key to the centre's progress page (/q/<token>, printed in the
    # receipt's QR): random, 160 bits, so it cannot be guessed the way a case number
    # can. It travels only inside the sealed copy; the centre keeps its SHA-256.
    progress_token: str = field(default="", repr=False)


PROGRESS_TOKEN_BYTES = 20  # secrets.token_urlsafe: 160 bits (≥ 128, OWASP session-id entropy)


def new_progress_token() -> str:
    import secrets

    return secrets.token_urlsafe(PROGRESS_TOKEN_BYTES)


# ------------------------------------------------------------------ queue payload / clear metadata

PAYLOAD_SCHEMA = 1
CLEAR_KEYS = ("case_no", "matter", "line", "site", "staff", "date", "status", "rating")
# + "visit" (the appointment id) on a case recorded on a home visit


def clear_meta(case: Case, line: str) -> dict[str, str]:
    """The only fields stored unencrypted: codes, the site, a staff slot id, the day, the status."""
    return {
        "case_no": case.case_no,
        "matter": case.matter,
        "line": line,
        "site": case.site,
        "staff": case.staff_id,
        "date": case.outing_date.isoformat(),
        "status": case.status,
        # 好差评 1–5 ("" until rated): a score, not personal; reports count it while locked.
        "rating": str(case.rating) if case.rating else "",
    } | ({"visit": case.visit} if case.visit else {})


def _id_payload(rid: ResidentId) -> dict[str, str]:
    return {"number": rid.number, "kind": rid.kind, "birth_date": rid.birth_date.isoformat(),
            "sex": rid.sex}


def _id_from(data: Mapping[str, str]) -> ResidentId:
    return ResidentId(number=data["number"], kind=data["kind"],  # type: ignore[arg-type]
                      birth_date=date.fromisoformat(data["birth_date"]),
                      sex=data["sex"])  # type: ignore[arg-type]


def payload(case: Case, staff_on_duty: tuple[str, ...] = ()) -> dict[str, object]:
    """Everything about the case, encrypted by the queue (local copy + sealed copy)."""
    agent = case.agent
    return {
        "schema": PAYLOAD_SCHEMA,
        "case_no": case.case_no,
        "status": case.status,
        "matter": case.matter,
        "resident": {"id": _id_payload(case.resident.id), "name": case.resident.name,
                     "source": case.resident.source},
        "agent": None if agent is None else {"id": _id_payload(agent.id), "name": agent.name,
                                             "relation": agent.relation},
        "answers": dict(case.answers),
        "materials": sorted(case.materials),
        "missing": list(case.missing),
        "delivery": case.delivery,
        "site": case.site,
        "staff": case.staff_id,
        "staff_on_duty": list(staff_on_duty),
        "outing_date": case.outing_date.isoformat(),
        "created_at": case.created_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
        "due_date": case.due_date.isoformat() if case.due_date else None,
        "rating": case.rating,
        "reason": case.reason,
        "visit": case.visit,
        "duplicate_reason": case.duplicate_reason,
        "progress": case.progress_token,
    }


def case_from_payload(data: Mapping[str, object], record_id: str, version: int) -> Case:
    res = data["resident"]
    agent = data.get("agent")
    due = data.get("due_date")
    return Case(
        case_no=str(data["case_no"]),
        record_id=record_id,
        version=version,
        status=data["status"],  # type: ignore[arg-type]
        resident=Resident(_id_from(res["id"]), str(res["name"]),  # type: ignore[index]
                          res.get("source", "typed")),  # type: ignore[union-attr]
        matter=str(data["matter"]),
        answers=dict(data.get("answers") or {}),  # type: ignore[arg-type]
        materials=frozenset(data.get("materials") or ()),  # type: ignore[arg-type]
        missing=tuple(data.get("missing") or ()),  # type: ignore[arg-type]
        agent=None if not agent else Agent(_id_from(agent["id"]),  # type: ignore[index]
                                           str(agent["relation"]),  # type: ignore[index]
                                           str(agent.get("name", ""))),  # type: ignore[union-attr]
        delivery=data["delivery"],  # type: ignore[arg-type]
        site=str(data["site"]),
        staff_id=str(data["staff"]),
        outing_date=date.fromisoformat(str(data["outing_date"])),
        created_at=datetime.fromisoformat(str(data["created_at"])),
        updated_at=datetime.fromisoformat(str(data["updated_at"])),
        due_date=date.fromisoformat(str(due)) if due else None,
        rating=data.get("rating"),  # type: ignore[arg-type]
        reason=str(data.get("reason") or ""),
        visit=str(data.get("visit") or ""),
        duplicate_reason=str(data.get("duplicate_reason") or ""),
        progress_token=str(data.get("progress") or ""),
    )


# ------------------------------------------------------------------ validation

MAX_NAME = 40
MAX_RELATION = 20
MAX_REASON = 200
ADULT_AGE = 18  # 民法典 第十七条: 十八周岁以上的自然人为成年人


def clean_name(name: str) -> str:
    """Whitespace tidied, ``U+XXXX`` typed for a rare character turned into it."""
    from shared.errors import StationError
    from shared.text import check_text
    from station.codepoints import expand

    name = " ".join(check_text(expand(name or ""), "text.field_name").split())
    if not name:
        raise StationError("intake.name_empty")
    if len(name) > MAX_NAME:
        raise StationError("intake.name_too_long", max=MAX_NAME)
    return name


def clean_reason(reason: str) -> str:
    from shared.errors import StationError
    from shared.text import check_text

    reason = " ".join(check_text(reason or "", "text.field_reason").split())
    if not reason:
        raise StationError("intake.reason_empty")
    return reason[:MAX_REASON]


def problems(draft: CaseDraft, today: date) -> list:
    """Every reason the draft cannot be recorded, as ``StationError``s (empty: recordable).

    Missing materials are not a problem: the case is recorded as 材料待补.
    """
    from shared.errors import StationError
    from station import matters
    from station.catalogue.answers import validate_answers

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
        from shared.text import forbidden_char

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
    from shared.i18n import t

    return t(key)


def t_delivery(delivery: str) -> str:
    from shared.i18n import t

    return t(f"service.delivery_{delivery}")


def _derived(draft: CaseDraft, today: date) -> tuple[CaseStatus, tuple[str, ...], Delivery,
                                                     date | None]:
    from station import matters

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
    from station import matters

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
