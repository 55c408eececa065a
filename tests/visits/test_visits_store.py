"""Appointments through the real encrypted queue: round trip, versions, nothing personal
in clear — checked on the bytes of the SQLite files themselves."""

from __future__ import annotations

from datetime import date, time

from hypothesis import given, settings
from hypothesis import strategies as st

from station import paths
from station.visits.model import Appointment, Contact, Slot, parse_address
from station.visits.store import CLEAR_KEYS, clear_meta, from_payload, payload
from tests.support.station import ELDER_ID, PASS, book_elder, make_service

FAMILY_PHONE = "13700001234"


def test_booking_round_trips_and_each_change_is_a_new_version(service):
    appt = book_elder(service, family=Contact("张小明", FAMILY_PHONE, "儿子"),
                      window=(time(9, 30), time(10, 30)), note="耳背，请多敲门")
    got = service.visits.get(appt.id)
    assert got == appt
    assert got.family == Contact("张小明", FAMILY_PHONE, "儿子")
    assert got.reason == "age80" and got.status == "requested"
    service.visits.schedule(appt.id, date(2026, 11, 24), "am")
    service.visits.mark_no_show(appt.id, "家中无人")
    history = service.visits.history(appt.id)
    assert [a.status for a in history] == ["requested", "scheduled", "no_show"]
    assert history[-1].outcome == "家中无人"
    [row] = service.visits.rows()
    assert (row.version, row.status, row.community) == (3, "no_show", "新成村")


def test_rows_work_locked_but_personal_data_needs_a_passphrase(service):
    from station.errors import LockedError

    appt = book_elder(service)
    service.lock()
    [row] = service.visits.rows()
    assert row.visit_id == appt.id and row.status == "requested"
    try:
        service.visits.get(appt.id)
    except LockedError:
        pass
    else:
        raise AssertionError("read personal data while locked")
    member = service.staff()[0]
    service.unlock(member.id, PASS)
    assert service.visits.get(appt.id).name == appt.name


def test_no_personal_data_in_the_queue_file_bytes(service, printer, clock):
    secrets = {"name": "欧阳寿星", "building": "甲17号", "phone": "13955501234",
               "family_phone": FAMILY_PHONE, "family": "欧阳孝子", "note": "钥匙在邻居家"}
    appt = service.visits.book(
        id_number=ELDER_ID, name=secrets["name"], address=f"新成村 {secrets['building']}",
        phone=secrets["phone"], matters_=["MZ01"], note=secrets["note"],
        family=Contact(secrets["family"], secrets["family_phone"], "儿子"))
    service.visits.schedule(appt.id, date(2026, 11, 24), "pm")
    service.close()  # checkpoint and close, then look at every byte on disk
    blobs = b"".join(p.read_bytes() for p in paths.queue_file().parent.rglob("*")
                     if p.is_file() and p.name.startswith(paths.queue_file().name))
    assert b"visit" in blobs and appt.id.encode() in blobs  # clear codes are there…
    for value in [ELDER_ID, *secrets.values()]:  # …personal data is not
        assert value.encode("utf-8") not in blobs, value
    assert ELDER_ID[-8:].encode() not in blobs
    again = make_service(printer, clock)  # and it all comes back with the passphrase
    again.unlock(again.staff()[0].id, PASS)
    assert again.visits.get(appt.id).family.phone == FAMILY_PHONE
    again.close()


names = st.text(st.characters(whitelist_categories=("Lo",)), min_size=1, max_size=6)


@settings(max_examples=50, deadline=None)
@given(name=names, building=st.integers(1, 99), half=st.sampled_from(["am", "pm"]),
       status=st.sampled_from(["requested", "scheduled", "visited", "no_show"]),
       family=st.booleans(), cases=st.lists(st.from_regex(r"[A-Z]{6}-\d{6}-\d{3}",
                                                           fullmatch=True), max_size=3))
def test_payload_round_trip_and_clear_metadata_are_codes_only(name, building, half, status,
                                                              family, cases):
    appt = Appointment(
        id="V-ABCDEF-261123-001", id_number=ELDER_ID, name=name,
        address=parse_address(f"新成村{building}号2单元301室", ["新成村"]), phone="13912345678",
        reason="age80", matters=("MZ01",), status=status,
        family=Contact("家属", "13800001111", "女儿") if family else None,
        slot=None if status == "requested" else Slot(date(2026, 11, 24), half),
        team="" if status == "requested" else "上门一组", cases=tuple(cases),
        window=(time(9, 0), time(10, 0)), preferred_days=(date(2026, 11, 24),))
    assert from_payload(payload(appt)) == appt
    meta = clear_meta(appt)
    assert tuple(meta) == CLEAR_KEYS
    assert meta == {"visit": appt.id, "date": appt.slot.day.isoformat() if appt.slot else "",
                    "slot": appt.slot.half if appt.slot else "", "team": appt.team,
                    "visit_status": status, "community": "新成村", "channel": "desk"}
    clear = "".join(meta.values())
    for personal in (ELDER_ID, "13912345678", "13800001111", f"{building}号"):
        assert personal not in clear
