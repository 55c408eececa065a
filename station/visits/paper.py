"""The papers of a home visit, filled from appointments and printed like receipts.

Why here and not in ``station.documents``: the documents package renders plain
data; this module knows appointments, the catalogue (what to prepare = the
materials of the requested matters) and the walking plan (planned times, total
walking minutes), and turns them into that plain data. Printing goes through
the same printer port and keep-then-print path as receipts, so a jammed printer
leaves the PDF for a reprint; file and job names carry only the visit number.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from shared.errors import StationError
from shared.i18n import RESIDENT_LOCALE, locale_as, t
from station import paths
from station.catalogue import matters
from station.documents import RunSheetData, RunStop, SlipData, render
from station.documents.calllist import CallListData, CallRow, call_list
from station.documents.layout import Field, Table
from station.documents.runsheet import run_sheet
from station.documents.slip import slip
from station.hw.errors import PrintJobFailed
from station.hw.ports import Media, Printer
from station.people import mask_id
from station.printout import PrintOutcome, deliver
from station.visits.model import Appointment
from station.visits.planning import Plan
from station.visits.rules import VisitRules

Paper = Literal["slip", "run_sheet", "call_list"]
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")  # file names: the document kind and a number
RUN_WIDTHS = (4, 14, 21, 21, 14, 15, 15)  # order, time, place, resident, matters, phone, note


def half_label(half: str, rules: VisitRules) -> str:
    """上午 09:00–11:30: the half-day in words with the team's hours."""
    opens, closes = rules.windows[half]
    return t(f"visits.half_{half}") + f" {opens:%H:%M}–{closes:%H:%M}"


def _matter_names(codes: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(matters.matter(c).name for c in codes)


def prepare_list(codes: tuple[str, ...]) -> tuple[str, ...]:
    """Materials of every requested matter, once each, in the catalogue's order."""
    seen: dict[str, str] = {}
    for code in codes:
        for m in matters.matter(code).materials:
            if m.optional or m.name in seen:
                continue
            seen[m.name] = t("visits.prepare_item", name=m.name, form=m.form, count=m.count)
    return tuple(seen.values())


def _masked(appt: Appointment) -> str:
    return mask_id(appt.id_number) if appt.id_number else "—"


def slip_data(appt: Appointment, *, station_name: str, centre_phone: str,
              rules: VisitRules) -> SlipData:
    if appt.slot is None:
        raise StationError("visits.not_scheduled", visit=appt.id)
    return SlipData(
        station_name=station_name, appointment_number=appt.id, resident_name=appt.name,
        masked_id=_masked(appt), address=appt.address.text, day=appt.slot.day,
        slot=half_label(appt.slot.half, rules), matters=_matter_names(appt.matters),
        team=appt.team, centre_phone=centre_phone, prepare=prepare_list(appt.matters),
        note=t("visits.slip_note"))


def render_slip(appt: Appointment, *, station_name: str, centre_phone: str, rules: VisitRules,
                media: Media = Media.A4) -> bytes:
    with locale_as(RESIDENT_LOCALE):  # the resident's paper: Chinese whatever staff chose
        return render(slip(slip_data(appt, station_name=station_name,
                                     centre_phone=centre_phone, rules=rules)), media)


def _stop_note(appt: Appointment) -> str:
    parts = []
    if appt.window is not None:
        parts.append(t("visits.window", start=f"{appt.window[0]:%H:%M}",
                       end=f"{appt.window[1]:%H:%M}"))
    if appt.family is not None:
        parts.append(t("visits.family_line", name=appt.family.name,
                       relation=appt.family.relation, phone=appt.family.phone))
    return "\n".join(parts)


def render_run_sheet(plans: list[Plan], *, station_name: str, team: str, day: date,
                     staff: tuple[str, ...], now: datetime, media: Media = Media.A4) -> bytes:
    """One team's day: stops in walking order with planned times, then the total walk."""
    mine = [p for p in plans if p.team == team]
    stops, order = [], 0
    for plan in mine:
        for v in plan.visits:
            order += 1
            a = v.appointment
            stops.append(RunStop(
                order=order, slot=t("visits.planned", half=t(f"visits.half_{plan.slot.half}"),
                                    start=f"{v.start:%H:%M}",
                                    end=f"{v.finish:%H:%M}", walk=v.walk_minutes),
                community=a.address.place, address=a.address.text, resident_name=a.name,
                masked_id=_masked(a), matters=_matter_names(a.matters), phone=a.phone,
                note=_stop_note(a)))
    doc = run_sheet(RunSheetData(station_name=station_name, team=team, day=day, staff=staff,
                                 stops=tuple(stops), printed_at=now))
    walk = sum(p.total_walk_minutes for p in mine)
    unplaced = sum(len(p.unplaced) for p in mine)
    extra = [Field(t("visits.walk_total"), t("visits.minutes", minutes=walk), strong=True)]
    if unplaced:
        extra.append(Field(t("visits.unplaced"), str(unplaced), strong=True))
    # After the header fields (title, day, team, staff, count), before the table; the
    # table gets wider time and phone columns so a planned time or a number never wraps.
    doc.blocks = [replace(b, widths=RUN_WIDTHS) if isinstance(b, Table) else b
                  for b in doc.blocks]
    doc.blocks[5:5] = extra
    return render(doc, media)


def render_call_list(plans: list[Plan], *, station_name: str, day: date, now: datetime,
                     media: Media = Media.A4) -> bytes:
    rows, order = [], 0
    for plan in plans:
        for v in plan.visits:
            order += 1
            a = v.appointment
            family = ""
            if a.family is not None:
                family = f"{a.family.name} {a.family.relation} {a.family.phone}".strip()
            rows.append(CallRow(order=order,
                                when=f"{t(f'visits.half_{plan.slot.half}')} {v.start:%H:%M}",
                                resident_name=a.name, phone=a.phone, family=family,
                                address=a.address.text,
                                team=plan.team, appointment_number=a.id))
    return render(call_list(CallListData(station_name=station_name, day=day, rows=tuple(rows),
                                         printed_at=now)), media)


def print_paper(pdf: bytes, *, document: Paper, ref: str, printer: Printer | None,
                to: Path | None, media: Media) -> PrintOutcome:
    """Keep the PDF in the print folder, then print it (or only write it to ``to``);
    failures come back in words and the PDF stays for a reprint (``station.printout``)."""
    name = t(f"visits.doc_{document}")
    # Job title and file name: the document kind and the visit number or day only.
    stem = _SAFE.sub("_", f"{document}-{ref}").strip("_")
    out = deliver(pdf, printer=printer, to=to, title=f"{document} {ref}", media=media,
                  kept=paths.print_dir() / f"{datetime.now():%Y%m%d-%H%M%S-%f}-{stem}.pdf",
                  keep_failed=True)
    if not out.ok:
        error = out.error or PrintJobFailed(printer=out.printer, kept=str(out.path))
        return PrintOutcome(document, False, str(out.path), out.path,
                            t("visits.print_failed", document=name, reason=error.message()))
    if out.saved:
        return PrintOutcome(document, True, str(out.path), out.path,
                            t("visits.saved", document=name, destination=str(out.path)))
    return PrintOutcome(document, True, out.printer, None,
                        t("visits.printed", document=name, destination=out.printer))
