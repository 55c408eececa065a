"""Capacity and conflicts through the whole service and the real queue (hypothesis): any
mix of bookings, moves, no-shows and cancellations leaves every team's half-day within
capacity, every resident with at most one open visit, and every plan servable."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.errors import StationError
from station.hw.fakes import FakePrinter
from station.people import check_char
from station.visits.model import ACTIVE, BOOKED
from tests.support.station import NOW, PASS, Clock, make_service

DAY = date(2026, 11, 24)
PLACES = ["新成村", "爱里舍", "沧海", "嘉乐"]
IDS = [(lambda f: f + check_char(f))(f"3101011940010{n:04d}") for n in range(6)]

ops = st.lists(st.one_of(
    st.tuples(st.just("book"), st.integers(0, 5), st.integers(0, 3), st.integers(1, 9),
              st.integers(0, 1), st.sampled_from(["am", "pm"]), st.booleans()),
    st.tuples(st.just("move"), st.integers(0, 20), st.integers(0, 1),
              st.sampled_from(["am", "pm"])),
    st.tuples(st.just("no_show"), st.integers(0, 20)),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
), min_size=1, max_size=24)


@pytest.mark.slow  # many generated booking sequences
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops)
def test_any_sequence_keeps_capacity_and_one_open_visit_per_resident(steps):
    old_home = os.environ["STATION_HOME"]
    with tempfile.TemporaryDirectory() as home:
        os.environ["STATION_HOME"] = home
        svc = make_service(FakePrinter(), Clock(NOW))
        try:
            member = svc.initialise(name="测试", sites=PLACES, staff_name="王芳",
                                    passphrase=PASS)
            svc.start_outing("新成村", [member.id])
            run(svc, steps)
        finally:
            svc.close()
            os.environ["STATION_HOME"] = old_home


def run(svc, steps) -> None:
    visits = svc.visits
    rules = visits.rules()
    made: list[str] = []
    for step in steps:
        with contextlib.suppress(StationError):  # refusals are fine; breaking rules is not
            if step[0] == "book":
                _, who, place, building, day, half, at_once = step
                appt = visits.book(id_number=IDS[who], name=f"居民{who}",
                                   address=f"{PLACES[place]} {building}号", phone="13912345678",
                                   matters_=["MZ01"])
                made.append(appt.id)
                if at_once:
                    visits.schedule(appt.id, DAY + timedelta(days=day), half)
            elif made:
                target = made[step[1] % len(made)]
                if step[0] == "move":
                    current = visits.get(target)
                    when = DAY + timedelta(days=step[2])
                    if current.status == "requested":
                        visits.schedule(target, when, step[3])
                    else:
                        visits.reschedule(target, when, step[3], reason="改约")
                elif step[0] == "no_show":
                    visits.mark_no_show(target, "无人")
                else:
                    visits.cancel(target, "不需要了")
    everything = visits.appointments()
    booked = Counter((a.team, a.slot) for a in everything if a.status in BOOKED)
    assert all(n <= rules.capacity for n in booked.values()), booked
    # A no-show may be booked afresh; what is still open (ACTIVE) is one per resident.
    open_per_resident = Counter(a.id_number for a in everything if a.status in ACTIVE)
    assert all(n == 1 for n in open_per_resident.values()), open_per_resident
    for day in (DAY, DAY + timedelta(days=1)):
        for plan in visits.plan(day):
            assert not plan.unplaced
            assert len(plan.visits) <= rules.capacity
    # Clear metadata agrees with the encrypted payload for every appointment.
    rows = {r.visit_id: r for r in visits.rows()}
    for a in everything:
        row = rows[a.id]
        assert (row.status, row.team, row.half) == (a.status, a.team,
                                                    a.slot.half if a.slot else "")
