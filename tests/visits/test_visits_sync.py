"""A visit phoned in to the centre reaches the station by sync, is scheduled and visited,
and its cases go back up linked to it — against a real centre process on loopback."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from station.service import CaseDraft
from tests.support.station import ELDER_ID
from tests.sync.syncrig import PASSPHRASE, Centre, enrol_station

DAY = date(2026, 11, 24)


def centre_records(centre: Centre) -> list[dict]:
    """Every record version the centre stored, opened with the centre's own keys."""
    from stationq.sealing import open_envelope

    from center import keys as centre_keys

    keys = centre_keys.load(centre.home, PASSPHRASE)
    private = {"x25519-hkdf-sha256-aes256gcm": keys.x25519,
               "mlkem768x25519-hkdf-sha256-aes256gcm": keys.hybrid}
    store = centre.store()
    try:
        with store.tx() as cur:
            cur.execute("SELECT record_id, version, station_id, kind, meta, suite, enc"
                        " FROM records ORDER BY seq")
            rows = cur.fetchall()
    finally:
        store.close()
    out = []
    for rid, version, station_id, kind, meta, suite, enc in rows:
        env = open_envelope(private[suite], suite, station_id, rid, version, bytes(enc))
        out.append({"kind": kind, "version": version, "meta": json.loads(meta),
                    "payload": env["payload"]})
    return out


@pytest.mark.parametrize("backend", ["sqlite"])  # the centre's storage is not under test here
def test_centre_request_to_visit_and_back(service, centre: Centre):
    enrol_station(service.session.cases().queue, centre, "测试办事厅")
    out = centre.cli("visit", "request", "--station", "测试办事厅", "--date", DAY.isoformat(),
                     "--slot", "pm", "--resident-name", "张演示", "--phone", "139 1234 5678",
                     "--address", "新成村 12号 3单元 402室", "--matter", "MZ01",
                     "--id-number", ELDER_ID, "--family-name", "张小明",
                     "--family-phone", "13700001234", "--family-relation", "儿子",
                     "--note", "腿脚不便")
    assert out.returncode == 0, out.stderr
    assert service.sync_once() is None  # the pull books the request (station unlocked)
    assert len(service.visits.rows()) == 1
    assert service.visits.import_requests() == 0  # pulled once, booked once
    assert service.sync_once() is None
    assert len(service.visits.rows()) == 1

    [appt] = service.visits.appointments()
    assert (appt.source, appt.status, appt.reason) == ("centre", "requested", "age80")
    assert appt.preferred_days == (DAY,) and appt.preferred_half == "pm"
    assert appt.address.text == "新成村 12号 3单元 402室"
    assert appt.phone == "13912345678" and appt.family.phone == "13700001234"
    assert appt.matters == ("MZ01",) and appt.notes == ("腿脚不便",)

    # Served today, ahead of the preferred day: a visit is marked done on or after its day.
    appt = service.visits.schedule(appt.id, DAY - timedelta(days=1), "pm")
    resident = service.visits.resident_of(appt.id)
    guide = service.matter_guide("MZ01", resident)
    case = service.record_case(CaseDraft(
        resident=resident, matter="MZ01",
        answers={"phone": "13912345678", "payout": "社保卡（敬老卡）"},
        materials=frozenset(m.code for m in guide.materials if m.required),
        delivery="centre", visit=appt.id)).case
    service.visits.mark_visited(appt.id)
    assert service.sync_once() is None
    assert service.status().pending == 0

    records = centre_records(centre)
    cases = [r for r in records if r["kind"] == "case"]
    visits = [r for r in records if r["kind"] == "visit"]
    assert [c["meta"]["visit"] for c in cases] == [appt.id]
    assert cases[0]["payload"]["visit"] == appt.id
    assert [v["version"] for v in visits] == [1, 2, 3]
    assert visits[0]["meta"]["channel"] == "centre"
    assert [v["payload"]["status"] for v in visits] == ["requested", "scheduled", "visited"]
    assert visits[-1]["payload"]["cases"] == [case.case_no]
    assert visits[-1]["meta"]["visit_status"] == "visited"
    clear = json.dumps([v["meta"] for v in visits], ensure_ascii=False)
    for personal in (ELDER_ID, "张演示", "13912345678", "13700001234", "12号"):
        assert personal not in clear
