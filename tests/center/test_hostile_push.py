"""Signed is not trusted: well-sealed records with hostile clear fields, signed with a
real enrolled station's key, are each refused with a reason and nothing of them is
stored; the station quarantines such a record as a conflict and says why.

The hostile fields are those an attack on the kit stored before the centre checked them
(issue 16): floats, booleans and NaN where text belongs, the date 2026-13-45, a UUIDv4
record id, another station's case number marked done, a name and ID number in `site`,
a phone number in `staff`, metadata contradicting the sealed envelope — and the rest of
the schema's rules (center/record_rules.py).
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest
from stationq import ids

from shared.i18n import t
from tests.center.hostile import DAY, push, reports_answer, sealed_record
from tests.sync.syncrig import case_meta, client_for, make_station

FAR_FUTURE_MS = int(datetime(9999, 1, 1, tzinfo=UTC).timestamp() * 1000)


def visit_meta(station_id: str, **changes) -> dict[str, str]:
    """As station/visits/store.py `clear_meta` writes a scheduled visit."""
    return {"visit": f"V-{station_id}-261122-001", "date": DAY, "slot": "am",
            "team": "上门一组", "visit_status": "scheduled", "community": "新成村",
            "channel": "desk", **changes}


def hostile_records(queue) -> list[tuple[str, dict, tuple[str, str]]]:
    """(what, wire record, the refusal expected: (error, field))."""
    sid = queue.station_id
    now = time.time()
    out = []
    seq = iter(range(2, 1000))

    def case(what, expect, kind="case", meta=None, **kw):
        n = next(seq)
        meta = case_meta(sid, n) if meta is None else meta
        out.append((what, sealed_record(queue, seq=n, meta=meta, kind=kind, **kw), expect))

    def changed(**changes):
        return {**case_meta(sid, 0), **changes}

    case("float rating", ("not_text", "rating"), meta=changed(rating=4.5))
    case("boolean site", ("not_text", "site"), meta=changed(site=True))
    case("NaN staff", ("not_text", "staff"), meta=changed(staff=float("nan")))
    case("integer matter", ("not_text", "matter"), meta=changed(matter=101))
    case("the date 2026-13-45", ("bad_date", "date"), meta=changed(date="2026-13-45"))
    case("a date in year 9999", ("bad_date", "date"), meta=changed(date="9999-01-01"))
    case("a UUIDv4 record id", ("bad_record_id", "record_id"), record_id=str(uuid.uuid4()))
    case("a UUIDv7 in year 9999", ("record_time", "record_id"),
         record_id=ids.record_id(900, FAR_FUTURE_MS))
    case("a UUIDv7 long before enrolment", ("record_time", "record_id"),
         created=now - 40 * 86400)
    case("another station's case number, done", ("foreign_case_no", "case_no"),
         meta=changed(case_no="ZZZZZZ-261122-001", status="done"))
    case("status done", ("bad_value", "status"), meta=changed(status="done"))
    case("case number of no real day", ("bad_value", "case_no"),
         meta=changed(case_no=f"{sid}-261399-001"))
    case("name and ID number in site", ("personal_data", "site"),
         meta=changed(site="张三110101194001011234"))
    case("phone number in staff", ("personal_data", "staff"),
         meta=changed(staff="13812345678"))
    case("e-mail in staff", ("personal_data", "staff"), meta=changed(staff="zhang@example.cn"))
    case("terminal escape in site", ("bad_value", "site"), meta=changed(site="\x1b[2J康健"))
    case("bidi override in site", ("bad_value", "site"), meta=changed(site="康\u202e健"))
    case("site past the length cap", ("bad_value", "site"), meta=changed(site="康" * 65))
    case("rating 7", ("bad_value", "rating"), meta=changed(rating="7"))
    case("a matter not in the catalogue", ("unknown_matter", "matter"),
         meta=changed(matter="ZZ99"))
    case("a line not the matter's", ("line_mismatch", "line"), meta=changed(line="RS"))
    case("a personal extra field", ("meta_keys", "meta"), meta=changed(name="张三"))
    case("a missing field", ("meta_keys", "meta"),
         meta={k: v for k, v in case_meta(sid, 0).items() if k != "status"})
    case("an unknown kind", ("unknown_kind", "kind"), kind="audit")
    case("clear status contradicts the envelope", ("meta_mismatch", "meta"),
         env={"meta": changed(status="withdrawn")})
    case("clear time contradicts the envelope", ("meta_mismatch", "meta"),
         env={"created_at": now - 3600})
    case("clear seq contradicts the envelope", ("meta_mismatch", "meta"), env={"seq": 1})
    case("a visit of another station", ("foreign_case_no", "visit"), kind="visit",
         meta=visit_meta(sid, visit="V-ZZZZZZ-261122-001"))
    case("a visit status no station writes", ("bad_value", "visit_status"), kind="visit",
         meta=visit_meta(sid, visit_status="gone"))
    case("a visit day without a half-day", ("bad_value", "slot"), kind="visit",
         meta=visit_meta(sid, slot=""))
    case("a phone number as community", ("personal_data", "community"), kind="visit",
         meta=visit_meta(sid, community="138 1234 5678"))
    return out


@pytest.mark.parametrize("version", [1, 2])
def test_hostile_records_are_refused_with_a_reason_and_never_stored(centre, tmp_path,
                                                                    version: int) -> None:
    queue = make_station(centre=centre)
    client = client_for(queue)
    good = sealed_record(queue, seq=1, meta=case_meta(queue.station_id, 1))
    good_visit = sealed_record(queue, seq=999, kind="visit",
                               meta=visit_meta(queue.station_id))
    hostile = hostile_records(queue)
    resp = push(centre, client, [good, *(r for _, r, _ in hostile), good_visit], version)
    assert resp.status_code == 200, resp.text
    acks = resp.json()["acks"]
    assert acks[0]["status"] == "stored" and acks[-1]["status"] == "stored"
    for (what, rec, (error, field)), ack in zip(hostile, acks[1:-1], strict=True):
        assert ack["record_id"] == rec["record_id"], what
        assert (ack["status"], ack["code"]) == ("refused", 422), (what, ack)
        assert (ack["error"], ack["field"]) == (error, field), (what, ack)
        assert ack["reason"], what
    store = centre.store()
    try:
        held = {k[0] for k in store.record_keys()}
        assert held == {good["record_id"], good_visit["record_id"]}
        assert store.counts()["conflicts"] == 0
    finally:
        store.close()
    reports_answer(centre, tmp_path, unreadable=0)
    client.close()


def test_the_station_quarantines_a_refused_record_and_says_why(centre) -> None:
    """A record whose clear fields the centre refuses becomes a conflict at the station
    (with the reason as codes), is not sent again, and the run says why in words."""
    queue = make_station(centre=centre)
    sid = queue.station_id
    good = queue.append("case", {"n": 1}, case_meta(sid, 1)).record_id
    # The queue's own checks let this through (no personal data), the centre's do not.
    bad = queue.append("case", {"n": 2}, {**case_meta(sid, 2),
                                          "case_no": "ZZZZZZ-261122-002"}).record_id
    client = client_for(queue)
    state = client.run_once()
    assert state.pushed == 1 and state.refused == 1 and state.last_error_code == "refused"
    assert t("sync.refused_foreign_case_no", field="case_no") in state.last_error
    info = queue.info(bad)
    assert info.state == "conflict"
    assert info.last_error == "refused by centre: foreign_case_no case_no"
    assert queue.info(good).state == "acknowledged"
    again = client.run_once()
    assert again.pushed == 0 and again.refused == 0 and again.last_error is None
    store = centre.store()
    try:
        assert {k[0] for k in store.record_keys()} == {good}
    finally:
        store.close()
    client.close()


def test_a_revoked_station_gets_401_on_push_and_pull(centre) -> None:
    from station.sync.client import SyncFailed

    queue = make_station("闵行-09", centre=centre)
    queue.append("case", {"n": 1}, case_meta(queue.station_id, 1))
    client = client_for(queue)
    assert client.run_once().last_error is None
    out = centre.cli("station", "revoke", queue.station_id)
    assert out.returncode == 0, out.stderr
    rec = sealed_record(queue, seq=2, meta=case_meta(queue.station_id, 2))
    for version in (1, 2):
        resp = push(centre, client, [rec], version)
        assert resp.status_code == 401 and resp.json()["error"] == "station_revoked"
    with pytest.raises(SyncFailed) as err:
        client.pull_all()
    assert err.value.code == "station_revoked"
    import httpx

    from shared.protocol import SIGNATURE_HEADER, dumps, new_nonce, now_ms, sign

    body = dumps({"v": 1, "station_id": queue.station_id, "ts": now_ms(),
                  "nonce": new_nonce(), "cursor": 0, "limit": 10})
    resp = httpx.post(centre.url + "/v1/pull", content=body, headers={
        SIGNATURE_HEADER: sign(client.keys.sign, "request", "/v1/pull", body)}, timeout=60)
    assert resp.status_code == 401 and resp.json()["error"] == "station_revoked"
    store = centre.store()
    try:
        assert store.counts()["records"] == 1
    finally:
        store.close()
    client.close()


def test_stolen_laptop_revoke_and_replace_keeps_what_the_centre_has(centre, tmp_path,
                                                                     monkeypatch) -> None:
    """docs/sync-protocol.md, "A lost or stolen laptop": revoke, enrol a replacement under
    the same name; the old key stays refused, the old records stay in the reports."""
    import json

    old = make_station("徐汇-07", centre=centre)
    old_client = client_for(old)
    for i in (1, 2):
        old.append("case", {"n": i}, case_meta(old.station_id, i))
    assert old_client.run_once().pushed == 2
    out = centre.cli("station", "revoke", "徐汇-07")
    assert out.returncode == 0 and "center enroll" in out.stdout, out.stderr
    monkeypatch.setenv("STATION_HOME", str(tmp_path / "replacement"))
    new = make_station("徐汇-07", centre=centre)
    new_client = client_for(new)
    new.append("case", {"n": 1}, case_meta(new.station_id, 1))
    assert new_client.run_once().pushed == 1
    rec = sealed_record(old, seq=3, meta=case_meta(old.station_id, 3))
    resp = push(centre, old_client, [rec], 2)
    assert resp.status_code == 401 and resp.json()["error"] == "station_revoked"
    listed = centre.cli("station", "list").stdout.splitlines()
    assert f"徐汇-07\t{new.station_id}\tactive" in listed
    assert f"徐汇-07 (revoked {old.station_id})\t{old.station_id}\trevoked" in listed
    report = json.loads(centre.cli("report", "--from", "2026-11-01", "--to", "2026-11-30",
                                   "--format", "json").stdout)
    assert report["total"]["received"] == 3
    assert {c["station_id"]: c["received"] for c in report["coverage"]} == {
        old.station_id: 2, new.station_id: 1}
    old_client.close()
    new_client.close()
