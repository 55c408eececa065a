"""The case desk: from a resident and a matter to a recorded, printed case — and after.

Why a service of its own: recording is the desk's main work and has its own
state (today's duplicate index) and its own order of steps — validate, append to
the queue under the session lock, then print outside it (the printer may take
seconds and the case is already safe). Amending, withdrawing, rating, reprinting
and the day's lists are the same case seen later. Everything here but the lists
of clear metadata needs an unlocked station.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Literal

from shared.errors import StationError
from shared.i18n import t
from shared.text import check_text
from station import outing
from station.cases import papers, validation
from station.cases.duplicates import DayIndex
from station.cases.model import STATUSES, Case, CaseDraft, CaseStatus, Delivery
from station.cases.store import CaseRow, CaseStore
from station.catalogue import matters
from station.codepoints import expand
from station.outing import Outing
from station.people import Agent, Resident, ResidentId, parse_id
from station.printout import PrintOutcome
from station.session import Session
from station.views import CaseSummary, RecordOutcome


class CaseDesk:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._day_index: tuple[date, DayIndex] | None = None  # today's names, built on demand

    def forget_day(self) -> None:
        """Drop today's duplicate index (names and ID numbers): on lock and on any change."""
        self._day_index = None

    # ---- the resident ------------------------------------------------------------

    def check_id(self, text: str) -> ResidentId:
        """Live validation of a typed ID number; raises ``IdNumberError`` (its ``message()``
        is the inline error to show, e.g. the expected check digit)."""
        return parse_id(text, on=self.session.today())

    def resident(self, id_text: str, name: str) -> Resident:
        """A resident from typed entry (ID validated, name required: ``intake.name_empty``)."""
        return Resident(self.check_id(id_text), validation.clean_name(name), "typed")

    def resident_hints(self, resident: Resident) -> list[str]:
        """Translated hints for the resident panel, e.g. "80 岁以上，可预约上门服务"."""
        return matters.resident_hints(resident, self.session.today())

    def agent(self, id_text: str, relation: str, name: str = "") -> Agent:
        """帮办代办: validates the agent's ID and that a relation is given."""
        if not (id_text or "").strip():
            raise StationError("intake.agent_id_needed")
        rid = self.check_id(id_text)
        today = self.session.today()
        if rid.age(today) < validation.ADULT_AGE:
            raise StationError("intake.agent_minor", age=rid.age(today), adult=validation.ADULT_AGE)
        relation = check_text(relation or "", "text.field_relation").strip()
        if not relation:
            raise StationError("intake.agent_relation_empty")
        return Agent(rid, relation, " ".join(
            check_text(expand(name or ""), "text.field_agent_name").split()))

    # ---- recording -----------------------------------------------------------------

    def validate(self, draft: CaseDraft) -> list[StationError]:
        """Every problem with the draft (empty list = recordable), for showing them all at once.
        A form-field problem has key ``intake.field_problem`` and ``params["field"]`` = the
        field's key, so the TUI can put it under that field."""
        return validation.problems(draft, self.session.today())

    def duplicate_warnings(self, draft: CaseDraft) -> list[str]:
        """Reasons to stop before recording (translated; empty = none): the same ID number
        under another name today, or the same matter for this resident again today. Staff
        may go on with a reason: put it in ``draft.duplicate_reason`` (recorded, encrypted).
        The first call of a day reads that day's cases once (audited reads)."""
        s = self.session
        with s.lock:
            s.require_staff()
            today = s.today()
            index = self._day_index
            if index is None or index[0] != today:
                built = DayIndex()
                store = s.cases()
                for row in store.summaries(today):
                    if row.status == "withdrawn" or row.damaged:
                        continue
                    try:
                        built.add(store.read_row(row))  # the listed row: no lookup per case
                    except StationError:
                        continue  # a row that cannot be read never stops the recording
                index = self._day_index = (today, built)
            return index[1].warnings(draft)

    def _require_outing(self) -> Outing:
        current = outing.current(self.session.today())
        if current is None:
            raise StationError("service.no_outing")
        return current

    def record_case(self, draft: CaseDraft) -> RecordOutcome:
        """Validate (raises the first error, nothing stored), append to the queue, then print
        the receipt — or the 一次性告知单 when materials are missing (status 材料待补).
        Needs an unlocked station and today's outing (``service.no_outing``)."""
        s = self.session
        with s.lock:
            staff = s.require_staff()
            today_outing = self._require_outing()
            problems = validation.problems(draft, s.today())
            if problems:
                raise problems[0]
            store = s.cases()
            case = validation.new_case(draft, case_no=store.next_case_no(today_outing.day),
                                   site=today_outing.site, staff_id=staff.id,
                                   outing_date=today_outing.day, now=s.now())
            case = store.append(case, staff_on_duty=today_outing.staff_ids)
            if self._day_index is not None and self._day_index[0] == case.outing_date:
                self._day_index[1].add(case)
        return RecordOutcome(case, self.print_case(case))

    def rate(self, case_no: str, rating: int | None) -> None:
        """好差评 1–5 after the case is recorded; None = the resident skipped (nothing stored)."""
        if rating is None:
            return
        if not isinstance(rating, int) or not 1 <= rating <= 5:
            raise StationError("service.rating_range")
        s = self.session
        with s.lock:
            s.require_staff()
            store = s.cases()
            case = store.get(case_no)
            store.amend(replace(case, rating=rating, reason="", updated_at=s.now()),
                        reason_code="rating")

    # ---- reading -------------------------------------------------------------------

    def today_cases(self, day: date | None = None, *, status: CaseStatus | None = None,
                    matter: str | None = None, line: str | None = None,
                    staff_id: str | None = None) -> list[CaseSummary]:
        """Cases of a day (default today), newest first; clear metadata only (works locked)."""
        s = self.session
        with s.lock:
            names = {x.id: x.name for x in s.config().staff}
            reprints = set(papers.awaiting_reprint())
            rows = s.cases().summaries(day or s.today())
        out = []
        for row in rows:
            if status and row.status != status:
                continue
            if matter and row.matter != matter.strip().upper():
                continue
            if line and row.line != matters.line_prefix(line):
                continue
            if staff_id and row.staff_id != staff_id:
                continue
            out.append(case_summary(row, names.get(row.staff_id, row.staff_id),
                                    row.case_no in reprints))
        return out

    def case_people(self, day: date | None = None) -> dict[str, tuple[str, str]]:
        """Case number → (name, ID number) for the day's cases, for the cases list's name
        column and search; only while a staff member is signed in (personal data)."""
        s = self.session
        with s.lock:
            s.require_staff()
            store = s.cases()
            out: dict[str, tuple[str, str]] = {}
            for row in store.summaries(day or s.today()):
                try:
                    case = store.read_row(row)
                except (StationError, ValueError, KeyError, TypeError):
                    continue  # one unreadable record must not empty the list
                out[row.case_no] = (case.resident.name, case.resident.id.number)
            return out

    def open_case(self, case_no: str) -> Case:
        """The full case (audited as a read of personal data). Raises ``LockedError`` when locked,
        ``service.case_unknown`` when there is no such case."""
        with self.session.lock:
            self.session.require_staff()
            return self.session.cases().get(case_no)

    def case_history(self, case_no: str) -> list[Case]:
        """Every version, oldest first (amendments, withdrawal, rating)."""
        with self.session.lock:
            self.session.require_staff()
            return self.session.cases().history(case_no)

    # ---- changing ------------------------------------------------------------------

    def _changeable(self, store: CaseStore, case_no: str) -> Case:
        """The case's latest version for a staff member to print or change; a withdrawn
        case is closed. Called with the lock held."""
        self.session.require_staff()
        case = store.get(case_no)
        if case.status == "withdrawn":
            raise StationError("service.case_withdrawn", case=case.case_no)
        return case

    def amend(self, case_no: str, *, reason: str, answers: Mapping[str, str] | None = None,
              materials: Iterable[str] | None = None, delivery: Delivery | None = None,
              agent: Agent | Literal[False] | None = False) -> RecordOutcome:
        """New version of the case (reason required: ``intake.reason_empty``); validated like
        a new case. If it changes the status (e.g. the missing materials arrived), the new
        paper prints. ``agent=False`` keeps the agent, ``None`` removes it."""
        reason = validation.clean_reason(reason)
        s = self.session
        with s.lock:
            store = s.cases()
            old = self._changeable(store, case_no)
            draft = CaseDraft(
                resident=old.resident, matter=old.matter,
                answers=old.answers if answers is None else dict(answers),
                materials=old.materials if materials is None else frozenset(materials),
                agent=old.agent if agent is False else agent,
                delivery=delivery or old.delivery,
            )
            problems = validation.problems(draft, s.today())
            if problems:
                raise problems[0]
            new = validation.amended(old, draft, reason=reason, now=s.now())
            new = store.amend(new, reason_code="amend")
            self.forget_day()  # rebuilt on the next check
        if new.status != old.status or new.missing != old.missing or new.due_date != old.due_date:
            return RecordOutcome(new, self.print_case(new))
        return RecordOutcome(new, None)

    def withdraw(self, case_no: str, *, reason: str) -> Case:
        """New version with status 已撤回 (reason required)."""
        reason = validation.clean_reason(reason)
        s = self.session
        with s.lock:
            store = s.cases()
            old = self._changeable(store, case_no)
            new = replace(old, status="withdrawn", reason=reason, updated_at=s.now(),
                          due_date=None)
            new = store.amend(new, reason_code="withdraw")
            self.forget_day()  # rebuilt on the next check
            papers.clear_reprint(new.case_no)
            return new

    # ---- paper ---------------------------------------------------------------------

    def reprint(self, case_no: str, *, pdf: Path | None = None) -> PrintOutcome:
        """Render the case's current paper again and print it (or write it to ``pdf``),
        marked 补打 with the time of this print; 受理时间 stays the case's own."""
        with self.session.lock:
            case = self._changeable(self.session.cases(), case_no)
        return self.print_case(case, pdf=pdf, reprint=True)

    def awaiting_reprint(self) -> list[str]:
        """Case numbers whose last paper did not print."""
        return papers.awaiting_reprint()

    def print_case(self, case: Case, *, pdf: Path | None = None,
                   reprint: bool = False) -> PrintOutcome:
        """Render and print outside the lock (the printer may take seconds); audited."""
        s = self.session
        cfg = s.config()
        outcome = papers.print_case(
            case, station_name=cfg.name, staff_name=s.staff_name(case.staff_id),
            printer=None if pdf else s.printer(), pdf=pdf, paper=cfg.paper,
            reprinted_at=s.now() if reprint else None)
        with s.lock:
            s.cases().audit_print(case, outcome)
        return outcome


def status_label(status: str) -> str:
    """The status in words; a status the desk does not know (a damaged or newer row)
    is shown as damaged rather than failing the whole list."""
    if status not in (*STATUSES, "damaged"):
        status = "damaged"
    return t(f"service.status_{status}")


def case_summary(row: CaseRow, staff_name: str, awaiting_reprint: bool) -> CaseSummary:
    try:
        name = matters.display_name(matters.matter(row.matter))
    except StationError:
        name = row.matter
    return CaseSummary(
        case_no=row.case_no, matter=row.matter, matter_name=name, line=row.line,
        status=row.status, status_label=status_label(row.status),  # type: ignore[arg-type]
        staff_id=row.staff_id, staff_name=staff_name, site=row.site, day=row.day,
        created_at=row.created_at, updated_at=row.updated_at, version=row.version,
        awaiting_reprint=awaiting_reprint)
