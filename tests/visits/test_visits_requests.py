"""Requests the centre phoned in: addresses split for the walk, missing details completed
at the station, each request booked once however often it is pulled."""

from __future__ import annotations

from datetime import date

import pytest

from station.visits.model import VisitError, parse_address
from tests.support.station import ELDER_ID, YOUNG_ID

COMMUNITIES = ("新成村", "爱里舍", "沧海", "嘉乐")


@pytest.mark.parametrize(("text", "site", "parts"), [
    ("新成村 12号 3单元 402室", "新成村",
     (("community", "新成村"), ("number", "12号"), ("unit", "3单元"), ("room", "402室"))),
    ("爱里舍5号楼2单元301", "爱里舍",
     (("community", "爱里舍"), ("building", "5号楼"), ("unit", "2单元"), ("room", "301"))),
    ("沧海 7栋 1102", "沧海", (("community", "沧海"), ("building", "7栋"), ("room", "1102"))),
    ("康健路1号", "", (("road", "康健路"), ("number", "1号"))),
    ("嘉乐  9幢", "嘉乐", (("community", "嘉乐"), ("building", "9幢"))),
    ("说不清楚的地方", "", ()),
])
def test_phoned_in_addresses_are_kept_whole_and_split_for_the_walk(text, site, parts):
    address = parse_address(text, COMMUNITIES)
    assert (address.text, address.site, address.parts) == (text, site, parts)


def pull(service, uid: str, details: dict, *, update_id: int, matter: str = "MZ01") -> None:
    """What `station.sync` stores after a pull: the centre's item sealed to this station."""
    from shared.protocol import seal_for_station
    from station.sync.identity import load_or_create_keys
    from station.sync.inbox import Inbox

    keys = load_or_create_keys()
    station_id = service.session.config().station_id
    inbox = Inbox()
    try:
        inbox.apply([{"kind": "visit_request", "id": update_id, "uid": uid,
                      "date": "2026-11-25", "slot": "am", "matter": matter,
                      "at": "2026-11-23T09:00:00+08:00",
                      "sealed": seal_for_station(keys.inbox_pub(), station_id, uid, details)}],
                    update_id)
    finally:
        inbox.close()


def test_request_without_an_id_number_waits_to_be_completed(service):
    assert service.visits.import_requests() == 0  # nothing pulled yet
    pull(service, "a" * 32, {"name": "王阿婆", "phone": "64001234", "address": "嘉乐 9号 201",
                             "note": "女儿代打电话"}, update_id=1)
    assert service.visits.import_requests() == 1
    [appt] = service.visits.appointments()
    assert (appt.id_number, appt.reason, appt.source) == ("", "approved", "centre")
    assert appt.address.text == "嘉乐 9号 201"
    assert appt.address.parts == (("community", "嘉乐"), ("number", "9号"), ("room", "201"))
    with pytest.raises(VisitError) as err:
        service.visits.schedule(appt.id, date(2026, 11, 25), "am")
    assert err.value.key == "visits.id_needed"
    # Under 80 and no certificate: the centre's acceptance is the supervisor's approval.
    young = service.visits.complete(appt.id, id_number=YOUNG_ID)
    assert (young.reason, young.approved_by) == ("approved", "centre")
    done = service.visits.complete(appt.id, id_number=ELDER_ID)
    assert done.reason == "age80"
    assert service.visits.schedule(appt.id, date(2026, 11, 25), "am").status == "scheduled"


def test_a_request_is_booked_once_even_if_pulled_again(service):
    details = {"name": "张演示", "phone": "13912345678", "address": "新成村 1号",
               "id_number": ELDER_ID}
    pull(service, "b" * 32, details, update_id=1)
    assert service.visits.import_requests() == 1
    from station.sync.inbox import Inbox

    inbox = Inbox()  # a crash before "handled" was written: the request shows again
    inbox._db.execute("UPDATE visit_requests SET handled = 0")
    inbox.close()
    assert service.visits.import_requests() == 0
    assert len(service.visits.rows()) == 1


def test_a_request_for_a_matter_that_cannot_be_done_at_home_keeps_no_matter(service):
    pull(service, "c" * 32, {"name": "张演示", "phone": "13912345678",
                             "address": "新成村 1号", "id_number": ELDER_ID},
         update_id=1, matter="RS01")
    service.visits.import_requests()
    [appt] = service.visits.appointments()
    assert appt.matters == ()
    with pytest.raises(VisitError) as err:
        service.visits.schedule(appt.id, date(2026, 11, 25), "am")
    assert err.value.key == "visits.no_matters"
    service.visits.complete(appt.id, matters_=["MZ01"])
    assert service.visits.schedule(appt.id, date(2026, 11, 25), "am").matters == ("MZ01",)


def test_a_request_with_control_characters_keeps_none_of_them(service):
    """A centre (or a forged update) sending terminal control in a field: that field is
    not taken, the request is still booked, and a note tells staff to call back."""
    from shared.i18n import t
    from shared.text import forbidden_char

    pull(service, "c" * 32, {"name": "王\x1b[2J阿婆", "phone": "64001234",
                             "address": "嘉乐 9号 201\u202e", "note": "女儿代打电话"},
         update_id=1)
    assert service.visits.import_requests() == 1
    [appt] = service.visits.appointments()
    assert appt.name == "—" and appt.address.text == ""
    assert t("text.request_dropped") in " ".join(appt.notes)
    assert "女儿代打电话" in " ".join(appt.notes)
    for value in (appt.name, appt.address.text, *appt.notes, appt.phone):
        assert forbidden_char(value) is None
