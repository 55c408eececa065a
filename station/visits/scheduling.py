"""Booking rules: capacity per team and half-day, no double booking, home-visit matters only.

A booking is accepted only if the team's half-day plan still serves every visit
inside its window, so what the desk promises is what the run sheet can keep.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from station.visits.model import ACTIVE, BOOKED, Appointment, Slot, VisitError
from station.visits.planning import plan_half_day, window_of
from station.visits.rules import VisitRules


def check_matters(matters: Iterable[str], home_visit: Callable[[str], tuple[bool, str]]) -> None:
    """``home_visit(code) -> (allowed, matter name)``; the first refusal names the matter."""
    matters = list(matters)
    if not matters:
        raise VisitError("visits.no_matters")
    for code in matters:
        allowed, name = home_visit(code)
        if not allowed:
            raise VisitError("visits.matter_not_at_home", matter=name)


def check_resident_free(existing: Iterable[Appointment], appt: Appointment) -> None:
    for other in existing:
        # A centre request may come without the ID number: no number, nothing to compare.
        if (other.id != appt.id and appt.id_number and other.id_number == appt.id_number
                and other.status in ACTIVE):
            from shared.i18n import t

            # The status in words, and the booking's number so the desk can open it.
            raise VisitError("visits.resident_already_booked", visit=other.id,
                             status=t(f"visits.status_{other.status}"))


def schedule(existing: list[Appointment], appt: Appointment, slot: Slot, team: str,
             rules: VisitRules, today: date) -> Appointment:
    """The appointment booked into ``slot`` for ``team``, or a VisitError saying why not."""
    if slot.day < today:
        raise VisitError("visits.slot_past")
    if team not in rules.teams:
        raise VisitError("visits.unknown_team", team=team)
    if appt.status not in ("requested", "scheduled", "rescheduled", "no_show"):
        raise VisitError("visits.bad_transition", before=appt.status, after="scheduled")
    check_resident_free(existing, appt)
    opens, closes = window_of(appt, rules.windows[slot.half])
    if opens >= closes:
        raise VisitError("visits.window_outside_half")
    others = [a for a in existing if a.id != appt.id]
    taken = sum(1 for a in others if a.status in BOOKED and a.team == team and a.slot == slot)
    if taken >= rules.capacity:
        raise VisitError("visits.slot_full", capacity=rules.capacity)
    status = "scheduled" if appt.status == "requested" else "rescheduled"
    booked = appt.moved_to(status, slot=slot, team=team)
    plan = plan_half_day([*others, booked], team, slot, rules)
    if plan.unplaced:
        raise VisitError("visits.slot_no_time")
    return booked
