"""The queue payload round trip and the clear metadata, for any case (hypothesis)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from station.cases.codec import CLEAR_KEYS, case_from_payload, clear_meta, payload
from station.cases.model import DELIVERIES, STATUSES, Case
from station.people import Agent, Resident, parse_id

IDS = ["310101193803120013", "310105196205200020", "310112197508080036",
       "11010519491231002X", "310104200001010041"]
text = st.text(min_size=1, max_size=12)
moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1),
                       timezones=st.just(UTC))


@st.composite
def cases(draw) -> Case:
    resident = Resident(parse_id(draw(st.sampled_from(IDS))), draw(text),
                        draw(st.sampled_from(["card", "training", "typed"])))
    agent = draw(st.none() | st.builds(lambda n, r, a: Agent(parse_id(n), r, a),
                                       st.sampled_from(IDS), text, st.text(max_size=8)))
    created = draw(moments)
    return Case(
        case_no=draw(st.from_regex(r"[A-Z]{6}-\d{6}-\d{3}", fullmatch=True)),
        record_id="rid", version=draw(st.integers(1, 50)),
        status=draw(st.sampled_from(STATUSES)), resident=resident,
        matter=draw(st.from_regex(r"[A-Z]{2}\d{2}", fullmatch=True)),
        answers=draw(st.dictionaries(st.from_regex(r"[a-z_]{1,10}", fullmatch=True), text,
                                     max_size=5)),
        materials=frozenset(draw(st.sets(st.from_regex(r"[a-z]{2,8}", fullmatch=True),
                                         max_size=4))),
        missing=tuple(draw(st.lists(st.from_regex(r"[a-z]{2,8}", fullmatch=True),
                                    max_size=3, unique=True))),
        agent=agent, delivery=draw(st.sampled_from(DELIVERIES)), site=draw(text),
        staff_id=draw(st.from_regex(r"s\d{2}", fullmatch=True)),
        outing_date=created.date(), created_at=created,
        updated_at=created + timedelta(minutes=draw(st.integers(0, 600))),
        due_date=draw(st.none() | st.dates(date(2020, 1, 1), date(2031, 1, 1))),
        rating=draw(st.none() | st.integers(1, 5)), reason=draw(st.text(max_size=20)))


@settings(deadline=None)  # per-example timing is no check: neighbours slow any example
@given(cases())
def test_payload_round_trips_through_json(case: Case):
    data = json.loads(json.dumps(payload(case, ("s01", "s02"))))
    assert case_from_payload(data, case.record_id, case.version) == case


@settings(deadline=None)  # per-example timing is no check: neighbours slow any example
@given(cases())
def test_clear_metadata_is_only_the_declared_codes(case: Case):
    meta = clear_meta(case, "MZ")
    assert tuple(meta) == CLEAR_KEYS
    # exactly the non-personal fields: nothing from the resident, the agent or the answers
    assert meta == {"case_no": case.case_no, "matter": case.matter, "line": "MZ",
                    "site": case.site, "staff": case.staff_id,
                    "date": case.outing_date.isoformat(), "status": case.status,
                    "rating": str(case.rating) if case.rating else ""}
