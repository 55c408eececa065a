"""The centre's record schema (center/record_rules.py) against what the station writes.

The schema's enumerations are held to the station's own definitions, so a station
change that adds a status or a clear field fails here before honest records are refused
in the field. Any JSON at all in any field gets a verdict, never an exception.
"""

from __future__ import annotations

import time
import typing
from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from stationq import clearmeta, ids

from center import record_rules as rr


def bounds(station_id: str = "KQXMRT") -> rr.Bounds:
    from station.catalogue.loader import load_catalogue

    return rr.Bounds.make(station_id, int(time.time() * 1000), rr.matters_of(load_catalogue()))


def test_enumerations_are_the_stations() -> None:
    from station.cases import codec
    from station.cases import model as cases
    from station.visits import model, store

    assert frozenset(cases.STATUSES) == rr.CASE_STATUSES
    assert frozenset(typing.get_args(model.Status)) == rr.VISIT_STATUSES
    assert frozenset(typing.get_args(model.HalfDay)) | {""} == rr.SLOTS
    source = typing.get_type_hints(model.Appointment)["source"]
    assert frozenset(typing.get_args(source)) == rr.CHANNELS
    assert frozenset(codec.CLEAR_KEYS) == rr.CASE_REQUIRED
    assert {"visit"} == rr.CASE_ALLOWED - rr.CASE_REQUIRED
    assert frozenset(store.CLEAR_KEYS) == rr.VISIT_REQUIRED
    assert rr.CASE_ALLOWED | rr.VISIT_REQUIRED <= clearmeta.DEFAULT_CLEAR_KEYS


def test_the_stations_own_clear_metadata_passes() -> None:
    """Built by the station's own functions, not by hand."""
    from station.cases.codec import clear_meta
    from station.cases.model import Case
    from station.people import Resident, parse_id
    from station.visits.model import Address, Appointment, Slot
    from station.visits.store import clear_meta as visit_meta

    day = date.today()
    now = datetime.now(UTC)
    rid = ids.record_id(1, int(now.timestamp() * 1000))
    resident = Resident(parse_id("110101194001011234", on=day), "王秀英")
    for rating, status in ((None, "accepted"), (4, "materials_pending"), (1, "withdrawn")):
        case = Case(
            case_no=f"KQXMRT-{day:%y%m%d}-1001", record_id=rid, version=1, status=status,
            resident=resident, matter="RS02", answers={}, materials=frozenset(), missing=(),
            agent=None, delivery="centre", site="康健街道", staff_id="s01", outing_date=day,
            created_at=now, updated_at=now, due_date=None, rating=rating,
            visit=f"V-KQXMRT-{day:%y%m%d}-002")
        meta = clear_meta(case, "RS")
        assert rr.check(rid, "case", meta, rr.created_ms(now.isoformat()), bounds()) is None, meta
    appt = Appointment(id=f"V-KQXMRT-{day:%y%m%d}-001", id_number="", name="x",
                       address=Address("新成村", "12号", "3", "402"), phone="13800000000",
                       reason="age80", matters=("MZ01",))
    for slot in (None, Slot(day, "pm")):
        meta = visit_meta(appt if slot is None else appt.moved_to(
            "scheduled", slot=slot, team="上门一组"))
        assert rr.check(rid, "visit", meta, rr.created_ms(now.isoformat()), bounds()) is None, meta


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=70),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids,
                                                              max_size=3),
    max_leaves=8)


@settings(max_examples=400, deadline=None)
@given(field=st.sampled_from(sorted(rr.CASE_ALLOWED | rr.VISIT_REQUIRED)), value=json_values,
       kind=st.sampled_from(["case", "visit", "audit", 3, None]),
       record_id=st.one_of(st.text(max_size=40), st.none(), st.integers()),
       created=st.one_of(st.text(max_size=40), st.none(), st.floats()))
def test_any_value_gets_a_verdict_never_an_exception(field, value, kind, record_id,
                                                     created) -> None:
    now = time.time()
    good_id = ids.record_id(5, int(now * 1000))
    meta = {"case_no": "KQXMRT-261122-001", "matter": "MZ01", "line": "MZ", "site": "康健",
            "staff": "s01", "date": "2026-11-22", "status": "accepted", "rating": "",
            field: value}
    when = datetime.fromtimestamp(now, UTC).isoformat()
    for rid, k, m, at in ((good_id, kind, meta, when), (record_id, "case", meta, created)):
        verdict = rr.check(rid, k, m, rr.created_ms(at), bounds())
        assert verdict is None or (verdict[0] in rr.DETAIL and isinstance(verdict[1], str))


def test_dates_must_be_real_and_in_the_window() -> None:
    assert rr.real_day("2026-02-28") == date(2026, 2, 28)
    for text in ("2026-13-45", "2026-02-30", "20261122", "２０２６-11-22", " 2026-11-22", ""):
        assert rr.real_day(text) is None, text
