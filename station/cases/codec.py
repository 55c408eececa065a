"""A case in the queue: the encrypted payload and the clear metadata, both ways.

Why in one place: the clear columns are the only unencrypted part of a case, so a
test can prove from this module alone that nothing personal reaches them; and the
centre reads the payload written here (center/casefile.py), so its shape changes
in one module.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from station.cases.model import Case
from station.people import Agent, Resident, ResidentId

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
