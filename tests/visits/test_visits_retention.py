"""Retention on a real station: after the daily purge an appointment booked days earlier
still opens and is served at the door, while closed records are tombstones that the
reports still count. Real queue, crypto and catalogue; a real centre acknowledges."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from shared.errors import StationError
from station import retention
from station.people import check_char
from station.reports.station import build_station_report
from station.service import CaseDraft
from tests.support.station import ELDER_ID, PASS, TZ, book_elder
from tests.sync.syncrig import Centre, enrol_station

MON, TUE, THU, FRI = date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 26), date(2026, 11, 27)


def _elder(n: int) -> str:
    first17 = f"3101011940050{n}00{n}"
    return first17 + check_char(first17)


def _draft(service, resident, visit: str = "") -> CaseDraft:
    guide = service.matter_guide("MZ01", resident)
    return CaseDraft(resident=resident, matter="MZ01",
                     answers={"phone": "13812345678", "payout": "社保卡（敬老卡）"},
                     materials=frozenset(m.code for m in guide.materials if m.required),
                     delivery="centre", visit=visit)


def _latest(queue, record_id: str):
    return queue.info(record_id)


@pytest.mark.parametrize("backend", ["sqlite"])  # the centre's storage is not under test here
def test_open_visit_survives_the_purge_closed_records_become_tombstones(service, clock,
                                                                        centre: Centre):
    queue = service.session.cases().queue
    enrol_station(queue, centre, "测试办事厅")

    # Monday: a visit booked for Thursday, one served today, one missed; a desk case.
    booked = book_elder(service, matters_=["MZ01"])
    booked = service.visits.schedule(booked.id, THU, "am")
    served = book_elder(service, id_number=_elder(1), name="李阿婆", address="新成村 3号",
                        matters_=["MZ01"])
    service.visits.schedule(served.id, MON, "pm")
    service.visits.mark_visited(served.id)
    missed = book_elder(service, id_number=_elder(2), name="赵阿公", address="新成村 5号",
                        matters_=["MZ01"])
    service.visits.schedule(missed.id, TUE, "am")
    service.visits.mark_no_show(missed.id, "敲门无人应答")
    desk = service.record_case(_draft(service, service.resident(ELDER_ID, "张演示"))).case
    assert service.sync_once() is None and service.status().pending == 0

    rec = {r.visit_id: r.record_id for r in service.visits.rows()}
    # Thursday morning, the laptop offline (no sync from here on): the first unlock purges.
    clock.now = datetime(THU.year, THU.month, THU.day, 8, 30, tzinfo=TZ)
    service.lock()
    assert retention.due(THU)
    service.unlock("s01", PASS)
    assert not retention.due(THU)

    open_info = _latest(queue, rec[booked.id])
    assert (open_info.state, open_info.has_local) == ("acknowledged", True)
    assert queue.info(rec[booked.id], 1).state == "purged"  # the request itself: not held
    assert (_latest(queue, rec[missed.id]).state,
            _latest(queue, rec[missed.id]).has_local) == ("acknowledged", True)  # may move
    for rid in (rec[served.id], desk.record_id):
        assert (_latest(queue, rid).state, _latest(queue, rid).has_local) == ("purged", False)
    event = [e for e in queue.audit_entries() if e.event == "purge"][-1]
    assert event.fields["kept"] == 2 and event.fields["local_days"] == 0

    # Reports still count everything from clear metadata and tombstones.
    report = build_station_report(queue, station_id="x", name="x", date_from=MON, date_to=THU)
    tot = report.total
    assert (tot.cases, tot.acknowledged, tot.pending) == (1, 1, 0)
    assert (tot.visits_booked, tot.visits_visited, tot.visits_no_show) == (1, 1, 1)
    assert {e.state for e in report.manifests[MON.isoformat()]} == {"purged"}
    assert [c.case_no for c in service.today_cases(MON)] == [desk.case_no]  # clear metadata

    # The old desk case is gone from this laptop, said in words (nothing personal).
    with pytest.raises(StationError) as err:
        service.open_case(desk.case_no)
    assert err.value.key == "retention.not_local" and ELDER_ID not in err.value.message()
    assert [a.id for a in service.visits.appointments()] == [booked.id, missed.id]
    assert len(service.visits.rows()) == 3  # the served one's clear row stays

    # Visit mode: the booked visit opens and is served; the missed one can be moved.
    service.start_outing("新成村", ["s01"])
    [line] = service.visits.day_sheet(THU)
    assert line.appointment.id == booked.id and line.appointment.id_number == ELDER_ID
    assert [a.status for a in service.visits.history(booked.id)] == ["scheduled"]
    resident = service.visits.resident_of(booked.id)
    case = service.record_case(_draft(service, resident, visit=booked.id)).case
    done = service.visits.mark_visited(booked.id)
    assert done.status == "visited" and done.cases == (case.case_no,)
    moved = service.visits.reschedule(missed.id, FRI, "pm", reason="家属改约")
    assert moved.status == "rescheduled"

    # A purge later the same day: the Monday versions held this morning are superseded
    # (visited, rescheduled), so their hold has ended; today's work stays readable.
    later = service.purge_expired()
    assert (later.local_removed, later.tombstones, later.kept) == (2, 2, 0)
    assert service.reprint(case.case_no).printed
    amended = service.amend(case.case_no, reason="补充电话",
                            answers={**case.answers, "phone": "13912345678"}).case
    assert service.open_case(case.case_no).answers["phone"] == "13912345678"
    assert [c.version for c in service.case_history(case.case_no)] == [1, 2]
    assert amended.version == 2

    # Friday: the visited appointment is no longer held; the rescheduled one still is.
    clock.now = datetime(FRI.year, FRI.month, FRI.day, 8, 30, tzinfo=TZ)
    summary = service.purge_expired()
    # Gone: Thursday's visited version and both versions of Thursday's case (sealed, not
    # yet sent: safe for the centre, so no tombstones); the reschedule is held.
    assert (summary.local_removed, summary.tombstones, summary.kept) == (3, 0, 1)
    assert not _latest(queue, rec[booked.id]).has_local
    assert _latest(queue, rec[missed.id]).has_local
    assert service.visits.get(missed.id).slot.day == FRI
    assert queue.verify().ok


def test_purge_before_enrolment_removes_nothing(service, clock):
    """Until the station is enrolled the local copy is the only copy: nothing goes."""
    booked = book_elder(service, matters_=["MZ01"])
    clock.now = datetime(FRI.year, FRI.month, FRI.day, 9, 0, tzinfo=TZ)
    summary = service.purge_expired()
    assert (summary.local_removed, summary.tombstones) == (0, 0)
    assert service.visits.get(booked.id).name == booked.name
