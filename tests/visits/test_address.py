"""The address parser on real Shanghai forms (the annotation examples of
leodotnet/neural-chinese-address-parsing data/anno/anno-cn.md and the issue's forms),
and properties: the text always survives, the parts concatenate back to it."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station import paths
from station.visits.address import Address, address_from_payload, compact, parse_address
from station.visits.model import Appointment, Slot, VisitError
from station.visits.planning import plan_half_day
from station.visits.rules import load_rules
from station.visits.store import clear_meta, from_payload, payload
from tests.support.station import ELDER_ID

SITES = ("新成村", "爱里舍", "沧海", "嘉乐")


@pytest.mark.parametrize(("text", "site", "parts"), [
    ("沧海路100弄5号302室", "沧海",
     (("road", "沧海路"), ("lane", "100弄"), ("number", "5号"), ("room", "302室"))),
    ("新成路50号", "", (("road", "新成路"), ("number", "50号"))),
    ("嘉乐小区3幢2单元501室", "嘉乐",
     (("community", "嘉乐小区"), ("building", "3幢"), ("unit", "2单元"), ("room", "501室"))),
    ("爱里舍路88弄12号601室", "爱里舍",
     (("road", "爱里舍路"), ("lane", "88弄"), ("number", "12号"), ("room", "601室"))),
    ("某某村3组15号", "", (("community", "某某村"), ("group", "3组"), ("number", "15号"))),
    # No site name at all: the door alone.
    ("12号3单元402室", "", (("number", "12号"), ("unit", "3单元"), ("room", "402室"))),
    ("5号楼2单元301", "", (("building", "5号楼"), ("unit", "2单元"), ("room", "301"))),
    # The annotation guide's own Shanghai and village examples.
    ("上海市 静安区 共和新路街道 柳营路669弄14号1102", "",
     (("city", "上海市"), ("district", "静安区"), ("town", "共和新路街道"),
      ("road", "柳营路"), ("lane", "669弄"), ("number", "14号"), ("room", "1102"))),
    ("沿山村5组6号", "", (("community", "沿山村"), ("group", "5组"), ("number", "6号"))),
    ("蒋村花园新达苑18幢二单元101", "",
     (("community", "蒋村花园新达苑"), ("building", "18幢"), ("unit", "二单元"),
      ("room", "101"))),
    # District and town split off the road, not swallowed by its name.
    ("上海市浦东新区高桥镇沧海路100弄5号302室", "沧海",
     (("city", "上海市"), ("district", "浦东新区"), ("town", "高桥镇"), ("road", "沧海路"),
      ("lane", "100弄"), ("number", "5号"), ("room", "302室"))),
    ("长乐路100弄3支弄5号", "",
     (("road", "长乐路"), ("lane", "100弄3支弄"), ("number", "5号"))),
    ("新村路100弄甲5号", "", (("road", "新村路"), ("lane", "100弄"), ("number", "甲5号"))),
    ("新成村 12号 3单元 402室", "新成村",
     (("community", "新成村"), ("number", "12号"), ("unit", "3单元"), ("room", "402室"))),
])
def test_shanghai_forms_are_read_whole(text, site, parts):
    address = parse_address(text, SITES)
    assert address.text == text
    assert (address.site, address.parts, address.rest) == (site, parts, "")
    assert address.complete


@pytest.mark.parametrize(("text", "parts", "rest"), [
    # A floor (楼) is not one of the parts: it stays in the text, unread.
    ("长乐路100弄3支弄5号3楼", (("road", "长乐路"), ("lane", "100弄3支弄"), ("number", "5号")),
     "3楼"),
    # Reading stops at a bracket; the door after it is not guessed at.
    ("沧海路100弄（近东靖路）5号", (("road", "沧海路"), ("lane", "100弄")), "（近东靖路）5号"),
    ("12-3-1001", (), "12-3-1001"),
    ("说不清楚的地方", (), "说不清楚的地方"),
    ("嘉乐小区3幢2单元501室 后门进", (("community", "嘉乐小区"), ("building", "3幢"),
                                    ("unit", "2单元"), ("room", "501室")), "后门进"),
])
def test_what_is_not_recognised_stays_in_the_text(text, parts, rest):
    address = parse_address(text, SITES)
    assert address.text == text and address.parts == parts and address.rest == rest
    assert not address.complete


# ---- properties -----------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(text=st.text(st.sampled_from("沧海路嘉乐小区村组弄号室幢栋单元楼上海市浦东新区镇甲一二十"
                                    "0123456789０１２ -（）A"), max_size=40)
       | st.text(max_size=40))
def test_the_full_text_always_survives(text):
    address = parse_address(text, SITES)
    assert address.text == text.strip()
    # Parts and the unread rest are the text itself, in order: nothing dropped or added.
    assert compact("".join(lit for _, lit in address.parts) + address.rest) == compact(text)
    assert address_from_payload(address.payload()) == address


_NAME = st.text(st.sampled_from("长乐康健宁定江海川平安和福寿吉祥东西南北中"), min_size=1,
                max_size=4)
_N = st.integers(1, 999).map(str)
_GAP = st.sampled_from(["", "", " "])


@st.composite
def written_addresses(draw):
    """Addresses composed from the forms the parser claims to read."""
    form = draw(st.sampled_from(["road", "estate", "village"]))
    pieces: list[tuple[str, str]] = []
    if form == "road":
        pieces.append(("road", draw(_NAME) + draw(st.sampled_from(["路", "大道", "公路", "街"]))))
        if draw(st.booleans()):
            pieces.append(("lane", draw(_N) + "弄"))
        pieces.append(("number", draw(_N) + "号"))
    elif form == "estate":
        pieces.append(("community", draw(_NAME) + draw(st.sampled_from(["小区", "新村", "花园"]))))
        pieces.append(("building", draw(_N) + draw(st.sampled_from(["幢", "栋", "号楼"]))))
        if draw(st.booleans()):
            pieces.append(("unit", draw(_N) + "单元"))
    else:
        pieces.append(("community", draw(_NAME) + "村"))
        pieces.append(("group", draw(_N) + "组"))
        pieces.append(("number", draw(_N) + "号"))
    if draw(st.booleans()):
        pieces.append(("room", draw(_N) + "室"))
    text = "".join(draw(_GAP) + lit for _, lit in pieces).strip()
    return text, tuple(pieces)


@settings(max_examples=300, deadline=None)
@given(written=written_addresses())
def test_written_forms_parse_completely_and_concatenate_back(written):
    text, pieces = written
    address = parse_address(text)
    assert address.complete, (text, address)
    assert address.parts == pieces
    assert "".join(lit for _, lit in address.parts) == compact(text)


# ---- the walking order uses the parts -------------------------------------------------------

RULES = load_rules()


def _appt(n: int, text: str) -> Appointment:
    return Appointment(id=f"v{n:04d}", id_number=ELDER_ID, name=f"居民{n}",
                       address=parse_address(text, SITES), phone="13800138000",
                       reason="age80", matters=("MZ01",), status="scheduled",
                       slot=Slot(date(2026, 11, 24), "am"), team="上门一组")


def test_walking_order_reads_lane_number_and_group_numerically():
    slot = Slot(date(2026, 11, 24), "am")
    lanes = [_appt(1, "沧海路100弄12号"), _appt(2, "沧海路100弄5号301室"),
             _appt(3, "沧海路88弄3号"), _appt(4, "沧海路100弄5号201室")]
    plan = plan_half_day(lanes, "上门一组", slot, RULES)
    assert [v.appointment.id for v in plan.visits] == ["v0003", "v0004", "v0002", "v0001"]
    # Same door (100弄5号): no walk between 201 and 301.
    assert [v.walk_minutes for v in plan.visits][1:] == [RULES.building_minutes, 0,
                                                         RULES.building_minutes]
    groups = [_appt(5, "某某村十二组1号"), _appt(6, "某某村三组15号")]
    plan = plan_half_day(groups, "上门一组", slot, RULES)
    assert [v.appointment.id for v in plan.visits] == ["v0006", "v0005"]


# ---- storage: both shapes load, parts never in clear ----------------------------------------

def test_older_records_still_load():
    old = payload(_appt(1, "沧海路100弄5号302室"))
    old["schema"] = 1
    old["address"] = {"community": "沧海", "building": "5号", "unit": "", "room": "302"}
    loaded = from_payload(old)
    assert loaded.address.text == "沧海 5号 302室"  # what those records always printed
    assert loaded.address.site == "沧海"
    assert loaded.address.part("number") == "5号" and loaded.address.part("room") == "302室"
    odd = address_from_payload({"community": "", "building": "说不清楚的地方", "unit": "",
                                "room": ""})
    assert odd.text == "说不清楚的地方" and odd.rest == "说不清楚的地方"


def test_a_stored_part_that_does_not_fit_its_text_is_not_trusted():
    bad = {"text": "沧海路100弄5号302室", "site": "沧海",
           "parts": [["road", "别的路"], ["number", "9号"]], "rest": ""}
    address = address_from_payload(bad)
    assert address.text == "沧海路100弄5号302室" and address.parts == ()
    assert address.rest == address.text
    for junk in (None, 7, "x", {"text": 5, "parts": "no"}):
        assert isinstance(address_from_payload(junk), Address)


def test_clear_metadata_carries_only_a_known_site_never_a_part():
    assert clear_meta(_appt(1, "沧海路100弄5号302室"))["community"] == "沧海"
    assert clear_meta(_appt(2, "新成路50号"))["community"] == ""
    assert clear_meta(_appt(3, "某某村3组15号"))["community"] == ""


def test_parts_are_only_in_the_encrypted_payload(service):
    secret = "某某村3组15号"
    appt = service.visits.book(id_number=ELDER_ID, name="张演示", address=secret,
                               phone="13912345678", matters_=["MZ01"])
    assert service.visits.get(appt.id).address.text == secret
    service.close()
    blobs = b"".join(p.read_bytes() for p in paths.queue_file().parent.rglob("*")
                     if p.is_file() and p.name.startswith(paths.queue_file().name))
    assert appt.id.encode() in blobs
    for piece in ("某某村", "3组", "15号"):
        assert piece.encode("utf-8") not in blobs, piece


# ---- booking refuses what leaves the team without a door ------------------------------------

@pytest.mark.parametrize(("text", "key"), [
    ("", "visits.address_empty"),
    ("   ", "visits.address_empty"),
    ("说不清楚的地方", "visits.address_incomplete"),
    ("沧海路", "visits.address_incomplete"),
    ("沧海路100弄5号" + "近" * 120, "visits.address_too_long"),
])
def test_booking_refuses_an_address_without_a_door(service, text, key):
    with pytest.raises(VisitError) as err:
        service.visits.book(id_number=ELDER_ID, name="张演示", address=text,
                            phone="13912345678", matters_=["MZ01"])
    assert err.value.key == key
    assert service.visits.rows() == []
