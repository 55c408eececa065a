"""Home-visit eligibility, booking rules and the walking plan."""

from __future__ import annotations

import contextlib
from datetime import date, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station.people import check_char, parse_id
from station.visits.eligibility import visit_eligibility
from station.visits.model import Appointment, Slot, VisitError, normalise_phone, parse_address
from station.visits.planning import plan_day, plan_half_day, window_of
from station.visits.rules import load_rules
from station.visits.scheduling import check_matters, schedule

RULES = load_rules()
TODAY = date(2026, 11, 23)
COMMUNITIES = ["新成村", "爱里舍", "沧海", "嘉乐"]


def rid(birth: date, seq: int = 12):
    first17 = f"310106{birth:%Y%m%d}{seq:03d}"
    return parse_id(first17 + check_char(first17), on=TODAY)


def appt(n: int, community="新成村", building="1号", unit="1", room="101", window=None,
         matters=("MZ01",), status="requested", slot=None, team="", birth=date(1940, 1, 1)):
    return Appointment(id=f"v{n:04d}", id_number=rid(birth, n % 1000).number, name=f"居民{n}",
                       address=parse_address(f"{community} {building} {unit}单元 {room}室",
                                             COMMUNITIES), phone="13800138000",
                       reason="age80", matters=tuple(matters), status=status, window=window,
                       slot=slot, team=team)


# --- eligibility -----------------------------------------------------------------------------

@pytest.mark.parametrize(("birth", "on", "ok"), [
    (date(1946, 11, 23), date(2026, 11, 22), False),  # the day before the 80th birthday
    (date(1946, 11, 23), date(2026, 11, 23), True),   # the birthday itself
    (date(1944, 2, 29), date(2024, 2, 28), False),    # leap-day birth, leap year, day before
    (date(1944, 2, 29), date(2024, 2, 29), True),
    (date(1948, 2, 29), date(2028, 2, 28), False),    # 2028 is a leap year too
    (date(1947, 2, 28), date(2027, 2, 28), True),
    (date(1946, 3, 1), date(2026, 2, 28), False),
])
def test_age_80_around_the_birthday(birth, on, ok):
    resident = rid(birth)
    if ok:
        assert visit_eligibility(resident, on).reason == "age80"
    else:
        with pytest.raises(VisitError) as err:
            visit_eligibility(resident, on)
        assert err.value.key == "visits.not_eligible"
        assert "79" in err.value.message()


def test_leap_day_birth_in_a_common_year_turns_80_on_1_march():
    resident = rid(date(1947, 2, 28))
    assert visit_eligibility(resident, date(2027, 2, 28)).age == 80
    leap = rid(date(1948, 2, 29))
    with pytest.raises(VisitError):
        visit_eligibility(leap, date(2027, 2, 28))


def test_disability_path_and_its_refusals():
    resident = rid(date(1970, 5, 6))
    assert visit_eligibility(resident, TODAY, disability_cert=resident.number + "41").reason \
        == "disability"
    for cert, key in [(resident.number + "4", "visits.cert_length"),
                      (rid(date(1971, 5, 6)).number + "41", "visits.cert_other_person"),
                      (resident.number + "81", "visits.cert_category"),
                      (resident.number + "45", "visits.cert_grade")]:
        with pytest.raises(VisitError) as err:
            visit_eligibility(resident, TODAY, disability_cert=cert)
        assert err.value.key == key
        assert resident.number not in str(err.value)


def test_supervisor_approved_reason():
    eligibility = visit_eligibility(rid(date(1980, 1, 1)), TODAY, approved_by="王主任")
    assert eligibility.reason == "approved"


@pytest.mark.parametrize(("text", "ok"), [
    ("138 0013 8000", True), ("+86 13800138000", True), ("021-64001234", True),
    ("64001234", True), ("12800138000", False), ("1380013800", False), ("abc", False),
    ("", False), ("0000000", False)])
def test_phone_numbers(text, ok):
    if ok:
        assert normalise_phone(text).isdigit()
    else:
        with pytest.raises(VisitError):
            normalise_phone(text)


def test_matter_that_cannot_be_done_at_home_is_refused_with_its_name():
    flags = {"MZ01": (True, "敬老卡申领"), "SB01": (False, "新版社保卡申领")}
    check_matters(["MZ01"], flags.__getitem__)
    with pytest.raises(VisitError) as err:
        check_matters(["MZ01", "SB01"], flags.__getitem__)
    assert "新版社保卡申领" in err.value.message()
    with pytest.raises(VisitError):
        check_matters([], flags.__getitem__)


# --- scheduling ------------------------------------------------------------------------------

def test_capacity_and_double_booking():
    slot = Slot(TODAY, "am")
    booked = []
    for n in range(RULES.capacity):
        booked.append(schedule(booked, appt(n, building=f"{n + 1}号"), slot, "上门一组",
                               RULES, TODAY))
    with pytest.raises(VisitError) as err:
        schedule(booked, appt(99), slot, "上门一组", RULES, TODAY)
    assert err.value.key == "visits.slot_full"
    # The other team still has room; the same resident cannot be booked twice.
    other = schedule(booked, appt(99), slot, "上门二组", RULES, TODAY)
    assert other.status == "scheduled"
    twin = appt(99)
    with pytest.raises(VisitError) as err:
        schedule([*booked, other], Appointment(**{**twin.__dict__, "id": "v-other"}),
                 Slot(TODAY, "pm"), "上门一组", RULES, TODAY)
    assert err.value.key == "visits.resident_already_booked"


def test_past_slot_unknown_team_and_window_outside_the_half_day():
    with pytest.raises(VisitError) as err:
        schedule([], appt(1), Slot(TODAY - timedelta(days=1), "am"), "上门一组", RULES, TODAY)
    assert err.value.key == "visits.slot_past"
    with pytest.raises(VisitError) as err:
        schedule([], appt(1), Slot(TODAY, "am"), "第九组", RULES, TODAY)
    assert err.value.key == "visits.unknown_team"
    with pytest.raises(VisitError) as err:
        schedule([], appt(1, window=(time(14), time(15))), Slot(TODAY, "am"), "上门一组",
                 RULES, TODAY)
    assert err.value.key == "visits.window_outside_half"


def test_a_booking_the_route_cannot_serve_is_refused():
    slot = Slot(TODAY, "am")
    first = schedule([], appt(1, "沧海", window=(time(9), time(9, 40))), slot, "上门一组",
                     RULES, TODAY)
    with pytest.raises(VisitError) as err:
        schedule([first], appt(2, "嘉乐", window=(time(9), time(9, 40))), slot, "上门一组",
                 RULES, TODAY)
    assert err.value.key == "visits.slot_no_time"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(1, 6), st.sampled_from(["am", "pm"]),
                          st.integers(0, 1), st.integers(0, 2)), max_size=25))
def test_bookings_never_exceed_capacity_or_double_book(requests):
    booked: list[Appointment] = []
    for n, (c, building, half, team, day) in enumerate(requests):
        candidate = appt(n, COMMUNITIES[c], f"{building}号")
        with contextlib.suppress(VisitError):
            booked.append(schedule(booked, candidate, Slot(TODAY + timedelta(days=day), half),
                                   RULES.teams[team], RULES, TODAY))
    per_slot: dict = {}
    for a in booked:
        per_slot[(a.team, a.slot)] = per_slot.get((a.team, a.slot), 0) + 1
    assert all(v <= RULES.capacity for v in per_slot.values())
    assert len({a.id_number for a in booked}) == len(booked)
    for team in RULES.teams:
        for day in range(3):
            for half in ("am", "pm"):
                assert not plan_half_day(booked, team, Slot(TODAY + timedelta(days=day), half),
                                         RULES).unplaced


# --- planning --------------------------------------------------------------------------------

def test_plan_walks_by_community_then_building_and_reports_walking_time():
    slot = Slot(TODAY, "am")
    visits = [appt(1, "沧海", "12号", status="scheduled", slot=slot, team="上门一组"),
              appt(2, "新成村", "2号", status="scheduled", slot=slot, team="上门一组"),
              appt(3, "沧海", "3号", status="scheduled", slot=slot, team="上门一组"),
              appt(4, "新成村", "10号", status="scheduled", slot=slot, team="上门一组")]
    plan = plan_half_day(visits, "上门一组", slot, RULES)
    order = [(v.appointment.address.place, v.appointment.address.part("number"))
             for v in plan.visits]
    assert order == [("新成村", "2号"), ("新成村", "10号"), ("沧海", "3号"), ("沧海", "12号")]
    # 中心→新成村 8, building change 3, 新成村→沧海 14, building change 3.
    assert plan.total_walk_minutes == 8 + 3 + 14 + 3
    assert [v.walk_minutes for v in plan.visits] == [8, 3, 14, 3]
    assert plan.visits[0].arrive == time(9, 8)


windows = st.one_of(st.none(), st.tuples(st.integers(9 * 60, 16 * 60), st.integers(20, 180))
                    .map(lambda t: (time(t[0] // 60, t[0] % 60),
                                    time(min(23 * 60, t[0] + t[1]) // 60,
                                         min(23 * 60, t[0] + t[1]) % 60))))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(1, 9), windows, st.integers(1, 3),
                          st.sampled_from(["am", "pm"])), max_size=14), st.randoms())
def test_plan_respects_windows_and_capacity_and_is_stable(specs, rnd):
    appts = [appt(n, COMMUNITIES[c], f"{b}号", window=w, matters=["MZ01"] * m, status="scheduled",
                  slot=Slot(TODAY, half), team="上门一组")
             for n, (c, b, w, m, half) in enumerate(specs)]
    plans = plan_day(appts, TODAY, RULES)
    for plan in plans:
        assert len(plan.visits) <= RULES.capacity
        opens, _closes = RULES.windows[plan.slot.half]
        previous_finish = opens
        for v in plan.visits:
            lo, hi = window_of(v.appointment, RULES.windows[plan.slot.half])
            assert lo <= v.start and v.finish <= hi
            assert v.arrive >= previous_finish and v.start >= v.arrive
            previous_finish = v.finish
        assert plan.total_walk_minutes == sum(v.walk_minutes for v in plan.visits)
        assert len(plan.visits) + len(plan.unplaced) == sum(
            1 for a in appts if a.slot == plan.slot)
    shuffled = list(appts)
    rnd.shuffle(shuffled)
    assert plan_day(shuffled, TODAY, RULES) == plans


def test_many_communities_fall_back_to_nearest_first():
    slot = Slot(TODAY, "pm")
    appts = [appt(n, f"小区{n}", status="scheduled", slot=slot, team="上门一组")
             for n in range(9)]
    plan = plan_half_day(appts, "上门一组", slot, RULES)
    assert len(plan.visits) + len(plan.unplaced) == 9
    assert len(plan.visits) <= RULES.capacity
