"""VisitService: home visits as the desk, the CLI and visit mode use them.

Why a service beside the case desk: appointments have their own life
(requested → scheduled → visited …) but share everything else with cases — the
lock, the queue, the clock, who is on duty and the printer — so this class takes
the station's ``Session`` instead of opening its own. Every
method that reads or writes personal data needs an unlocked station; ``rows`` and
``plan_rows`` read clear metadata only and work locked. All of it works offline:
the centre is only involved through sync.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, time, timedelta
from pathlib import Path

from shared.errors import StationError
from shared.i18n import t
from shared.text import check_text, is_plain
from station import outing, paths
from station.cases.validation import clean_name
from station.catalogue import matters
from station.hw.ports import Media
from station.people import Resident, mask_id, parse_id
from station.printout import PrintOutcome
from station.session import Session
from station.visits import paper
from station.visits.address import MAX_LENGTH as MAX_ADDRESS_LENGTH
from station.visits.eligibility import Eligibility, visit_eligibility
from station.visits.model import (
    ACTIVE,
    TRANSITIONS,
    Address,
    Appointment,
    Contact,
    Slot,
    VisitError,
    mask_phone,
    normalise_phone,
    parse_address,
)
from station.visits.planning import Plan, PlannedVisit, plan_day
from station.visits.rules import VisitRules, load_rules
from station.visits.scheduling import check_matters, check_resident_free, schedule
from station.visits.store import VisitRow, VisitStore

log = logging.getLogger("station.visits")
MAX_NOTE = 200


@dataclass(frozen=True)
class VisitSummary:
    """One line of a list: personal data masked, labels translated."""

    visit_id: str
    status: str
    status_label: str
    name: str
    masked_id: str
    masked_phone: str
    address: str
    community: str
    matters: tuple[str, ...]
    day: date | None
    half: str
    team: str
    source: str
    cases: tuple[str, ...]
    reason: str = ""  # age80 | disability | approved
    reason_label: str = ""
    source_label: str = ""


@dataclass(frozen=True)
class SheetLine:
    """One door of the day: planned times are None when the plan could not fit it."""

    order: int
    team: str
    half: str
    start: time | None
    finish: time | None
    walk_minutes: int
    appointment: Appointment


def rules_file() -> Path:
    """A district's own rules (published by the centre) beside the queue, if any."""
    return paths.data_dir() / "visits.toml"


def _note(text: str) -> str:
    text = " ".join(check_text(text or "", "text.field_reason").split())
    if not text:
        raise VisitError("visits.reason_empty")
    return text[:MAX_NOTE]


class VisitService:
    def __init__(self, session: Session) -> None:
        self.session = session

    # ---- plumbing ------------------------------------------------------------------

    def rules(self) -> VisitRules:
        path = rules_file()
        return load_rules(path if path.exists() else None)

    def _store(self) -> VisitStore:
        return VisitStore(self.session.cases().queue)

    def _staff(self) -> str:
        return self.session.require_staff().id

    def _today(self) -> date:
        return self.session.today()

    def teams(self) -> list[str]:
        return list(self.rules().teams)

    def communities(self) -> list[str]:
        """Where teams walk: the walking matrix's places and the station's sites."""
        rules = self.rules()
        known = {a for pair in rules.walking for a in pair} - {rules.base}
        return sorted(known | set(self.session.config().sites))

    # ---- eligibility and booking -----------------------------------------------------

    def eligibility(self, id_text: str, *, disability_cert: str = "",
                    approved_by: str = "") -> Eligibility:
        """Why this resident may be visited (age from the ID number), or a VisitError."""
        rid = parse_id(id_text, on=self._today())
        return visit_eligibility(rid, self._today(), disability_cert=disability_cert,
                                 approved_by=approved_by)

    def offer(self, resident: Resident) -> bool:
        """True when the serve flow should offer a home visit (80+ by the ID number)."""
        try:
            visit_eligibility(resident.id, self._today())
        except VisitError:
            return False
        return True

    def _address(self, address: Address | str) -> Address:
        """The address as typed, refused only when no door can be found from it.

        Why so little: the text is printed whole, so an odd form is still usable; only
        an address without a 号, 幢/栋, 单元 or 室 leaves the team at the wrong door."""
        if not isinstance(address, Address):
            address = parse_address(check_text(str(address or ""), "text.field_address"),
                                    self.communities())
        if not address.text:
            raise VisitError("visits.address_empty")
        if len(address.text) > MAX_ADDRESS_LENGTH:
            raise VisitError("visits.address_too_long", limit=MAX_ADDRESS_LENGTH)
        if not address.has_door:
            raise VisitError("visits.address_incomplete")
        return address

    def _home_visit(self, code: str) -> tuple[bool, str]:
        m = matters.matter(code)
        return m.home_visit, m.name

    def book(self, *, id_number: str, name: str, address: Address | str, phone: str,
             matters_: Iterable[str], family: Contact | None = None,
             disability_cert: str = "", approved_by: str = "",
             preferred_days: Iterable[date] = (), preferred_half: str | None = None,
             window: tuple[time, time] | None = None, note: str = "",
             source: str = "desk", slot: Slot | None = None,
             team: str | None = None) -> Appointment:
        """A new appointment (``requested``), scheduled at once when ``slot`` is given.

        Everything is checked before anything is written: eligibility, phone numbers,
        that each matter can be done at home, that the resident has no open visit."""
        with self.session.lock:
            staff = self._staff()
            eligible = self.eligibility(id_number, disability_cert=disability_cert,
                                        approved_by=approved_by)
            rid = parse_id(id_number, on=self._today())
            codes = tuple(dict.fromkeys(c.strip().upper() for c in matters_ if c.strip()))
            check_matters(codes, self._home_visit)
            for text, field in ((note, "text.field_note"), (approved_by, "text.field_approved_by"),
                                (disability_cert, "text.field_certificate"),
                                (family.relation if family else "", "text.field_relation")):
                check_text(text or "", field)
            address = self._address(address)
            if family is not None:
                family = Contact(clean_name(family.name), normalise_phone(family.phone),
                                 family.relation.strip())
            store = self._store()
            appt = Appointment(
                id=store.next_id(self.session.config().station_id, self._today()),
                id_number=rid.number, name=clean_name(name), address=address,
                phone=normalise_phone(phone), reason=eligible.reason, matters=codes,
                family=family,
                disability_cert=disability_cert.strip().upper() if eligible.reason
                == "disability" else "",
                approved_by=approved_by.strip() if eligible.reason == "approved" else "",
                preferred_days=tuple(preferred_days),
                preferred_half=preferred_half,  # type: ignore[arg-type]
                window=window, notes=(note.strip(),) if note.strip() else (),
                source=source)  # type: ignore[arg-type]
            existing = store.all()
            check_resident_free(existing, appt)
            if slot is not None:
                appt = self._fit(existing, appt, slot, team)
            return store.add(appt, staff=staff, at=self.session.now())

    def _fit(self, existing: list[Appointment], appt: Appointment, slot: Slot,
             team: str | None) -> Appointment:
        """Booked into ``slot`` with ``team``, or the first team that still has room."""
        rules = self.rules()
        teams = [team] if team else list(rules.teams)
        refusal: VisitError | None = None
        for candidate in teams:
            try:
                return schedule(existing, appt, slot, candidate, rules, self._today())
            except VisitError as err:
                if err.key in ("visits.slot_past", "visits.resident_already_booked",
                               "visits.window_outside_half", "visits.bad_transition"):
                    raise
                refusal = refusal or err
        raise refusal or VisitError("visits.unknown_team", team=team or "")

    # ---- centre requests (pulled by sync) --------------------------------------------

    def import_requests(self) -> int:
        """Book every home-visit request the centre sent down, once each; returns how many.

        They arrive sealed to this station's inbox key (``station.sync.inbox``); they are
        opened only here, while unlocked, and go straight into the encrypted queue."""
        from shared.protocol import open_for_station
        from station.sync.inbox import Inbox, inbox_file

        if not inbox_file().exists():
            return 0
        with self.session.lock:
            staff = self._staff()
            try:
                from station.sync.identity import open_inbox_key

                inbox_key = open_inbox_key(self.session.cases().queue)
            except StationError:
                return 0  # not enrolled: nothing can have come down
            station_id = self.session.config().station_id
            store = self._store()
            known = {a.request_uid for a in store.all(channel="centre")}
            inbox = Inbox()
            added = 0
            try:
                for req in inbox.visit_requests():
                    if req.uid not in known:
                        details = open_for_station(inbox_key, station_id, req.uid, req.sealed)
                        appt = self._from_request(req, details, store, station_id)
                        store.add(appt, staff=staff, at=self.session.now())
                        known.add(req.uid)
                        added += 1
                    inbox.mark_visit_handled(req.uid)
            finally:
                inbox.close()
            return added

    def _from_request(self, req, details: dict, store: VisitStore,
                      station_id: str) -> Appointment:
        """A request as the centre took it down; what is missing is for staff to fill in.

        A text holding control or direction characters (shared/text.py) is not taken:
        it is left out, and a note tells staff to call back."""
        dropped = [k for k, v in details.items() if isinstance(v, str) and not is_plain(v)]
        details = {k: ("" if k in dropped else v) for k, v in details.items()}
        id_number, reason, approved = "", "approved", "centre"
        number = str(details.get("id_number") or "").strip()
        if number:
            try:
                rid = parse_id(number, on=self._today())
                id_number = rid.number
                elig = visit_eligibility(rid, self._today(), approved_by="centre")
                reason = elig.reason
                approved = "centre" if reason == "approved" else ""
            except StationError:
                log.info("a centre request came with an unreadable ID number")
        try:
            phone = normalise_phone(str(details.get("phone") or ""))
        except VisitError:
            phone = str(details.get("phone") or "")[:20]  # kept as given: staff call back
        codes = tuple(c for c in str(req.matter or "").replace(",", " ").split() if c)
        known_codes = tuple(c.upper() for c in codes
                            if c.upper() in matters.catalogue() and self._home_visit(c)[0])
        family = None
        if details.get("family_phone"):
            family = Contact(str(details.get("family_name") or ""),
                             str(details["family_phone"]), str(details.get("family_relation")
                                                                or ""))
        note = str(details.get("note") or "").strip()
        if dropped:
            log.warning("a centre request held control characters in %s", ", ".join(
                sorted(k for k in dropped if k.isidentifier())[:10]))
            note = " ".join(filter(None, (note, t("text.request_dropped"))))
        half = req.slot if req.slot in ("am", "pm") else None
        try:
            preferred = (date.fromisoformat(req.date),)
        except ValueError:
            preferred = ()
        return Appointment(
            id=store.next_id(station_id, self._today()), id_number=id_number,
            name=str(details.get("name") or "").strip()[:40] or "—",
            address=parse_address(str(details.get("address") or ""), self.communities()),
            phone=phone, reason=reason, matters=known_codes, family=family,  # type: ignore[arg-type]
            preferred_days=preferred, preferred_half=half,  # type: ignore[arg-type]
            notes=(note,) if note else (), source="centre", approved_by=approved,
            request_uid=req.uid)

    # ---- changes of state ----------------------------------------------------------

    def _change(self, visit_id: str, fn, reason_code: str) -> Appointment:
        with self.session.lock:
            staff = self._staff()
            store = self._store()
            appt = fn(store, store.get(visit_id))
            return store.save(appt, reason_code=reason_code, staff=staff, at=self.session.now())

    def complete(self, visit_id: str, *, id_number: str | None = None,
                 matters_: Iterable[str] | None = None, phone: str | None = None,
                 address: Address | str | None = None) -> Appointment:
        """Fill in what a phoned-in request lacked (ID number, matters, phone, address)."""
        def fill(store: VisitStore, appt: Appointment) -> Appointment:
            changes: dict = {}
            if id_number is not None:
                rid = parse_id(id_number, on=self._today())
                elig = visit_eligibility(rid, self._today(),
                                         disability_cert=appt.disability_cert,
                                         approved_by=appt.approved_by)
                changes.update(id_number=rid.number, reason=elig.reason)
            if matters_ is not None:
                codes = tuple(dict.fromkeys(c.strip().upper() for c in matters_ if c.strip()))
                check_matters(codes, self._home_visit)
                changes["matters"] = codes
            if phone is not None:
                changes["phone"] = normalise_phone(phone)
            if address is not None:
                changes["address"] = self._address(address)
            new = replace(appt, **changes)
            check_resident_free(store.all(), new)
            return new
        return self._change(visit_id, fill, "complete")

    def _ready(self, appt: Appointment) -> None:
        if not appt.id_number:
            raise VisitError("visits.id_needed", visit=appt.id)
        check_matters(appt.matters, self._home_visit)

    def schedule(self, visit_id: str, day: date, half: str,
                 team: str | None = None) -> Appointment:
        """Book a requested (or no-show) appointment into a half-day; capacity, conflicts,
        the walking route and time windows are checked (``station.visits.scheduling``)."""
        if half not in ("am", "pm"):
            raise VisitError("visits.half_unknown", half=half[:5])

        def fit(store: VisitStore, appt: Appointment) -> Appointment:
            self._ready(appt)
            if appt.status not in ("requested", "no_show"):
                raise VisitError("visits.bad_transition", before=appt.status,
                                 after="scheduled")
            return self._fit(store.all(), appt, Slot(day, half), team)  # type: ignore[arg-type]
        return self._change(visit_id, fit, "schedule")

    def reschedule(self, visit_id: str, day: date, half: str, *, reason: str,
                   team: str | None = None) -> Appointment:
        reason = _note(reason)
        if half not in ("am", "pm"):
            raise VisitError("visits.half_unknown", half=half[:5])

        def move(store: VisitStore, appt: Appointment) -> Appointment:
            if "rescheduled" not in TRANSITIONS[appt.status]:
                raise VisitError("visits.bad_transition", before=appt.status,
                                 after="rescheduled")
            self._ready(appt)
            moved = self._fit(store.all(), appt, Slot(day, half), team)  # type: ignore[arg-type]
            return replace(moved, status="rescheduled", outcome=reason)
        return self._change(visit_id, move, "reschedule")

    def mark_visited(self, visit_id: str, note: str = "") -> Appointment:
        """Done at the door; the cases recorded on this visit are linked to it."""
        check_text(note or "", "text.field_note")

        def visited(store: VisitStore, appt: Appointment) -> Appointment:
            # Not before the day it is booked for: a door not yet knocked on is not done.
            if appt.slot is None or appt.slot.day > self._today():
                raise VisitError("visits.visited_too_early", visit=appt.id,
                                 date=appt.slot.day.isoformat() if appt.slot else "—")
            cases = tuple(dict.fromkeys([*appt.cases, *store.linked_cases(appt.id)]))
            notes = (*appt.notes, note.strip()) if note.strip() else appt.notes
            return appt.moved_to("visited", cases=cases, notes=notes, outcome="")
        return self._change(visit_id, visited, "visited")

    def mark_no_show(self, visit_id: str, reason: str) -> Appointment:
        reason = _note(reason)
        return self._change(visit_id, lambda _s, a: a.moved_to("no_show", outcome=reason),
                            "no_show")

    def cancel(self, visit_id: str, reason: str) -> Appointment:
        reason = _note(reason)
        return self._change(visit_id, lambda _s, a: a.moved_to("cancelled", outcome=reason),
                            "cancel")

    # ---- reading ---------------------------------------------------------------------

    def get(self, visit_id: str) -> Appointment:
        with self.session.lock:
            self._staff()
            return self._store().get(visit_id)

    def history(self, visit_id: str) -> list[Appointment]:
        with self.session.lock:
            self._staff()
            return self._store().history(visit_id)

    def rows(self, day: date | None = None) -> list[VisitRow]:
        """Clear metadata only (works locked): for counts and the status of the day."""
        with self.session.lock:
            store = self._store()
            return store.rows(date=day.isoformat()) if day else store.rows()

    def appointments(self, day: date | None = None, *,
                     status: str | None = None) -> list[Appointment]:
        with self.session.lock:
            self._staff()
            meta = {"date": day.isoformat()} if day else {}
            if status:
                meta["visit_status"] = status
            return self._store().all(**meta)

    def summaries(self, day: date | None = None, *, status: str | None = None,
                  open_only: bool = False) -> list[VisitSummary]:
        """For lists on screen and ``station visits list``: names kept, numbers masked."""
        out = []
        for a in self.appointments(day, status=status):
            if open_only and a.status not in ACTIVE:
                continue
            out.append(VisitSummary(
                visit_id=a.id, status=a.status, status_label=t(f"visits.status_{a.status}"),
                name=a.name, masked_id=mask_id(a.id_number) if a.id_number else "—",
                masked_phone=mask_phone(a.phone), address=a.address.text,
                community=a.address.place, matters=a.matters,
                day=a.slot.day if a.slot else None, half=a.slot.half if a.slot else "",
                team=a.team, source=a.source, cases=a.cases, reason=a.reason,
                reason_label=t(f"visits.reason_{a.reason}"),
                source_label=t(f"visits.source_{a.source}")))
        out.sort(key=lambda s: (s.day or date.max, s.half, s.team, s.community, s.visit_id))
        return out

    def linked_cases(self, visit_id: str) -> list[str]:
        with self.session.lock:
            return self._store().linked_cases(visit_id)

    def plan(self, day: date | None = None) -> list[Plan]:
        """Every team's half-days of ``day`` in walking order (see ``planning``)."""
        day = day or self._today()
        with self.session.lock:
            self._staff()
            appts = self._store().all(date=day.isoformat())
        return plan_day(appts, day, self.rules())

    def in_order(self, day: date | None = None, team: str | None = None) -> list[PlannedVisit]:
        """Visit mode: the day's visits in the order the team walks them."""
        return [v for p in self.plan(day) if team is None or p.team == team for v in p.visits]

    def day_sheet(self, day: date | None = None) -> list[SheetLine]:
        """Visit mode's list: the day's visits in walking order, the ones already visited
        or missed kept in their place (planned as if still booked) so the order is stable."""
        day = day or self._today()
        with self.session.lock:
            self._staff()
            appts = [a for a in self._store().all(date=day.isoformat())
                     if a.status != "cancelled"]
        real = {a.id: a for a in appts}
        as_booked = [replace(a, status="scheduled") if a.status in ("visited", "no_show")
                     else a for a in appts]
        lines = []
        for plan in plan_day(as_booked, day, self.rules()):
            for v in plan.visits:
                lines.append(SheetLine(len(lines) + 1, plan.team, plan.slot.half, v.start,
                                       v.finish, v.walk_minutes, real[v.appointment.id]))
            for a in plan.unplaced:
                lines.append(SheetLine(len(lines) + 1, plan.team, plan.slot.half, None, None,
                                       0, real[a.id]))
        return lines

    def waiting(self) -> int:
        """Requests not yet given a day (works locked: clear metadata)."""
        return sum(1 for r in self.rows() if r.status in ("requested", "no_show"))

    def resident_of(self, visit_id: str) -> Resident:
        """The resident to pre-fill the serve flow with at the door."""
        appt = self.get(visit_id)
        if not appt.id_number:
            raise VisitError("visits.id_needed", visit=appt.id)
        return Resident(parse_id(appt.id_number, on=self._today()), appt.name, "typed")

    # ---- paper -------------------------------------------------------------------------

    def _media(self) -> Media:
        return Media.ROLL80 if self.session.config().paper == "roll80" else Media.A4

    def _printer(self, pdf: Path | None):
        return None if pdf else self.session.printer()

    def print_slip(self, visit_id: str, *, pdf: Path | None = None) -> PrintOutcome:
        """The resident's large-print slip (date, half-day, team, what to prepare)."""
        appt = self.get(visit_id)
        cfg = self.session.config()
        data = paper.render_slip(appt, station_name=cfg.name,
                                 centre_phone=matters.catalogue().centre.phone,
                                 rules=self.rules(), media=self._media())
        return paper.print_paper(data, document="slip", ref=appt.id, printer=self._printer(pdf),
                                 to=pdf, media=self._media())

    def print_run_sheet(self, day: date | None = None, *, team: str | None = None,
                        pdf: Path | None = None) -> list[PrintOutcome]:
        """One run sheet per team with visits that day (or only ``team``)."""
        day = day or self._today()
        plans = self.plan(day)
        cfg = self.session.config()
        today_outing = outing.current(self.session.today())
        names = {s.id: s.name for s in cfg.staff}
        staff = tuple(names.get(s, s) for s in (today_outing.staff_ids if today_outing else ()))
        teams = [team] if team else sorted({p.team for p in plans}, key=self.teams().index)
        if team and team not in self.teams():
            raise VisitError("visits.unknown_team", team=team)
        out = []
        for name in teams or self.teams()[:1]:
            data = paper.render_run_sheet(plans, station_name=cfg.name, team=name, day=day,
                                          staff=staff, now=self.session.now(), media=self._media())
            target = pdf if pdf is None or len(teams) <= 1 else pdf.with_name(
                f"{pdf.stem}-{len(out) + 1}{pdf.suffix}")
            out.append(paper.print_paper(data, document="run_sheet", ref=day.isoformat(),
                                         printer=self._printer(target), to=target,
                                         media=self._media()))
        return out

    def print_call_list(self, day: date | None = None, *,
                        pdf: Path | None = None) -> PrintOutcome:
        """Tomorrow's reminder calls by default (the list is rung the day before)."""
        day = day or self._today() + timedelta(days=1)
        plans = self.plan(day)
        cfg = self.session.config()
        data = paper.render_call_list(plans, station_name=cfg.name, day=day,
                                      now=self.session.now(), media=self._media())
        return paper.print_paper(data, document="call_list", ref=day.isoformat(),
                                 printer=self._printer(pdf), to=pdf, media=self._media())
