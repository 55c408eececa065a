"""From a recorded case to the documents part's plain data, and on to PDF bytes.

Why a bridge: the renderers (``station.documents``) know nothing about cases, the
catalogue or the queue; this module fills their dataclasses from a case and the
catalogue — masked ID only, material names in words, the centre's phone — so the
same case always gives the same paper, whether printed now or reprinted later.
"""

from __future__ import annotations

from datetime import datetime

from shared.errors import StationError
from shared.i18n import RESIDENT_LOCALE, locale_as, t
from station import config
from station.cases.model import Case
from station.catalogue import matters
from station.catalogue.calendar import due_estimated
from station.documents.data import MissingItem, NoticeData, ReceiptData
from station.hw.ports import Media


def _material_text(m) -> str:
    return f"{m.name}（{matters.material_view(m).detail}）"


def progress_link(case: Case) -> str:
    """What the receipt's QR holds: the centre's progress page for this case
    (``<centre>/q/<token>``), or, before the station knows its centre, the case number
    and the token side by side so the centre's phone operator can still be given both.
    A case recorded before tokens existed keeps the bare case number."""
    if not case.progress_token:
        return case.case_no
    try:
        url = config.load().centre.url.rstrip("/")
    except StationError:  # not set up yet (training, tests): the plain form below
        url = ""
    if url:
        return f"{url}/q/{case.progress_token}"
    return f"{case.case_no} {case.progress_token}"


def receipt_data(case: Case, *, station_name: str, staff_name: str,
                 reprinted_at: datetime | None = None) -> ReceiptData:
    m = matters.matter(case.matter)
    received = tuple(_material_text(x) for x in m.materials if x.code in case.materials)
    missing = tuple(x.name for x in m.materials if x.code in case.missing)
    contact = matters.catalogue().contact_for(m)
    return ReceiptData(
        station_name=station_name, site=case.site, staff=staff_name, when=case.created_at,
        case_number=case.case_no, matter_code=m.code, matter_name=m.display_name,
        resident_name=case.resident.name, masked_id=case.resident.masked_id,
        materials_received=received, time_limit_days=m.time_limit_days,
        due_date=case.due_date, delivery=t(f"service.delivery_{case.delivery}"),
        centre_phone=contact.phone, materials_missing=missing,
        agent_name=case.agent.name if case.agent else "", qr_payload=progress_link(case),
        large_print=case.resident.age(case.outing_date) >= matters.HOME_VISIT_AGE,
        due_estimated=due_estimated(case.outing_date, case.due_date),
        reprinted_at=reprinted_at,
        post_address=case.answers.get("address", "") if case.delivery == "post" else "")


def notice_data(case: Case, *, station_name: str, staff_name: str,
                reprinted_at: datetime | None = None) -> NoticeData:
    m = matters.matter(case.matter)
    contact = matters.catalogue().contact_for(m)
    missing = tuple(
        MissingItem(name=x.name, detail=matters.material_view(x).detail.split("（")[0],
                    why=x.notes)
        for x in m.materials if x.code in case.missing)
    bring_to = "，".join(p for p in (contact.name, contact.address, contact.hours) if p)
    return NoticeData(
        station_name=station_name, site=case.site, staff=staff_name, when=case.created_at,
        reprinted_at=reprinted_at, matter_code=m.code, matter_name=m.display_name,
        resident_name=case.resident.name,
        masked_id=case.resident.masked_id, missing=missing, bring_to=bring_to, bring_by=None,
        centre_phone=contact.phone, case_number=case.case_no,
        large_print=case.resident.age(case.outing_date) >= matters.HOME_VISIT_AGE)


def render_case(case: Case, *, document: str, station_name: str, staff_name: str, paper: str,
                reprinted_at: datetime | None = None) -> bytes:
    """The paper in Chinese whatever the staff's language: the resident reads it.
    ``reprinted_at`` marks a reprint (补打); 受理时间 stays the case's own."""
    from station import documents

    media = Media.ROLL80 if paper == "roll80" else Media.A4
    with locale_as(RESIDENT_LOCALE):
        if document == "notice":
            return documents.render_notice(
                notice_data(case, station_name=station_name, staff_name=staff_name,
                            reprinted_at=reprinted_at), media)
        return documents.render_receipt(
            receipt_data(case, station_name=station_name, staff_name=staff_name,
                         reprinted_at=reprinted_at), media)
