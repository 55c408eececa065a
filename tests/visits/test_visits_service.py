"""VisitService on a real station: eligibility refusals, scheduling, doorstep outcomes,
cases linked to the appointment that served them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from station.visits.model import VisitError
from tests.support.station import ELDER_ID, ELDER_NAME, YOUNG_ID, book_elder

TOMORROW = date(2026, 11, 24)


def refusal(fn, *args, **kwargs) -> VisitError:
    with pytest.raises(VisitError) as err:
        fn(*args, **kwargs)
    return err.value


def test_refusals_say_why_and_store_nothing(service):
    err = refusal(book_elder, service, id_number=YOUNG_ID)
    assert err.key == "visits.not_eligible" and "56" in err.message()
    err = refusal(book_elder, service, matters_=["MZ01", "RS01"])
    assert err.key == "visits.matter_not_at_home" and "失业登记" in err.message()
    err = refusal(book_elder, service, phone="12345")
    assert err.key == "visits.phone_invalid"
    err = refusal(book_elder, service, id_number=YOUNG_ID, disability_cert=YOUNG_ID + "91")
    assert err.key == "visits.cert_category"
    assert service.visits.rows() == []
    for e in (err,):
        assert YOUNG_ID not in str(e) and YOUNG_ID not in e.message()


def test_disability_and_approved_paths(service):
    disabled = book_elder(service, id_number=YOUNG_ID, disability_cert=YOUNG_ID + "42")
    assert disabled.reason == "disability" and disabled.disability_cert.endswith("42")
    other = book_elder(service, id_number="310104200001010041", approved_by="王主任")
    assert other.reason == "approved" and other.approved_by == "王主任"


def test_same_resident_twice_is_refused(service):
    book_elder(service)
    assert refusal(book_elder, service).key == "visits.resident_already_booked"


def test_capacity_moves_to_the_next_team_then_refuses(service):
    rules = service.visits.rules()
    ids = [f"31010119{30 + n:02d}0101{n:03d}" for n in range(2 * rules.capacity + 1)]
    from station.people import check_char

    ids = [i[:17] + check_char(i[:17]) for i in ids]
    teams = []
    for n, number in enumerate(ids[:-1]):
        appt = book_elder(service, id_number=number, name=f"老人{n}",
                          address=f"新成村 {n + 1}号", matters_=["MZ01"])
        teams.append(service.visits.schedule(appt.id, TOMORROW, "am").team)
    assert teams == [rules.teams[0]] * rules.capacity + [rules.teams[1]] * rules.capacity
    last = book_elder(service, id_number=ids[-1], name="老人末", address="新成村 99号",
                      matters_=["MZ01"])
    assert refusal(service.visits.schedule, last.id, TOMORROW, "am").key == "visits.slot_full"
    assert service.visits.schedule(last.id, TOMORROW, "pm").status == "scheduled"


def test_visit_day_cases_are_linked_and_outcomes_follow_the_rules(service):
    from tests.support.station import NOW

    appt = book_elder(service)
    appt = service.visits.schedule(appt.id, NOW.date(), "pm")
    [visit] = service.visits.in_order()
    assert visit.appointment.id == appt.id and visit.walk_minutes == 8
    resident = service.visits.resident_of(appt.id)
    assert resident.id.number == ELDER_ID and resident.name == ELDER_NAME
    from station.service import CaseDraft

    guide = service.matter_guide("MZ01", resident)
    draft = CaseDraft(resident=resident, matter="MZ01",
                      answers={"phone": "13812345678", "payout": "社保卡（敬老卡）"},
                      materials=frozenset(m.code for m in guide.materials if m.required),
                      delivery="centre", visit=appt.id)
    case = service.record_case(draft).case
    assert case.visit == appt.id
    assert service.open_case(case.case_no).visit == appt.id
    other = service.record_case(replace(draft, visit="")).case  # a desk case: not linked
    assert service.visits.linked_cases(appt.id) == [case.case_no]
    done = service.visits.mark_visited(appt.id)
    assert done.status == "visited" and done.cases == (case.case_no,)
    assert other.case_no not in done.cases
    assert refusal(service.visits.mark_no_show, appt.id, "x").key == "visits.bad_transition"
    assert refusal(service.visits.cancel, appt.id, "x").key == "visits.bad_transition"


def test_no_show_then_reschedule_then_cancel(service):
    appt = book_elder(service)
    service.visits.schedule(appt.id, TOMORROW, "am")
    assert refusal(service.visits.mark_no_show, appt.id, "  ").key == "visits.reason_empty"
    service.visits.mark_no_show(appt.id, "敲门无人应答")
    moved = service.visits.reschedule(appt.id, date(2026, 11, 25), "pm", reason="家属改约")
    assert moved.status == "rescheduled" and moved.slot.half == "pm"
    assert moved.outcome == "家属改约"
    assert service.visits.plan(date(2026, 11, 25))[0].visits[0].appointment.id == appt.id
    assert service.visits.plan(TOMORROW) == []
    gone = service.visits.cancel(appt.id, "已入住养老院")
    assert gone.status == "cancelled"
    assert service.visits.plan(date(2026, 11, 25)) == []
    # A cancelled booking frees the resident for a new one.
    assert book_elder(service).status == "requested"


def test_booking_with_a_past_day_is_refused(service):
    from station.visits.model import Slot

    err = refusal(book_elder, service, slot=Slot(date(2026, 11, 20), "am"))
    assert err.key == "visits.slot_past"
    assert service.visits.rows() == []
