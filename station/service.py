"""The service façade: the only door the TUI (and the CLI) use into the core.

Why a façade: the Textual screens must not know about the queue, the catalogue,
the card reader or CUPS. Everything a screen shows comes back from here as a
small frozen dataclass with its labels already translated (``station.views``,
re-exported here); everything a screen does is one method call here. The core
never imports Textual.

Threading: every public method is safe to call from any thread (calls are
serialised by one lock). ``initialise``, ``unlock`` and ``add_staff`` run
Argon2id and may wait out a back-off after wrong passphrases, and printing waits
for the printer: call those from a Textual worker thread, not the event loop.

Errors: every failure the user can act on is a ``StationError`` whose
``.message()`` is the sentence to show (``str(err)`` is only the catalogue key).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from shared.errors import StationError
from shared.i18n import LOCALES, t
from shared.text import check_text
from station import config, devices, matters, outing, paths, private_files
from station.cases import model as intake
from station.cases import papers
from station.cases.model import (
    Agent,
    Case,
    CaseDraft,
    CaseStatus,
    Delivery,
    Resident,
)
from station.cases.queue_open import translated
from station.cases.store import CaseStore
from station.codepoints import expand
from station.outing import Outing
from station.people import ResidentId, parse_id
from station.views import (
    CardEvent,
    CaseSummary,
    CentreStatus,
    Choice,
    Eligibility,
    FieldView,
    LockedError,
    MaterialView,
    MatterGuide,
    MatterSummary,
    NotInitialisedError,
    PrintOutcome,
    RecordOutcome,
    StaffMember,
    StationStatus,
    TrainingCard,
    UnlockError,
)

__all__ = [
    "Agent",
    "CardEvent",
    "Case",
    "CaseDraft",
    "CaseStatus",
    "CaseSummary",
    "Choice",
    "Delivery",
    "Eligibility",
    "FieldView",
    "LockedError",
    "MaterialView",
    "MatterGuide",
    "MatterSummary",
    "NotInitialisedError",
    "Outing",
    "PrintOutcome",
    "RecordOutcome",
    "Resident",
    "Service",
    "StaffMember",
    "StationStatus",
    "TrainingCard",
    "UnlockError",
    "open_service",
]

log = logging.getLogger("station.service")

MIN_PASSPHRASE = 8
MAX_UNLOCK_WAIT_S = 30.0  # a back-off longer than this is reported, not waited out
MAX_NAME = 40


def _local_now() -> datetime:
    return datetime.now().astimezone()


class Service:
    """One station: its configuration, queue, reader and printer.

    Build it with ``open_service()`` (the composition root picks the hardware), or
    pass fakes for tests: ``Service(reader=FakeReader(), printer=FakePrinter())``.
    A reader or printer left as None is chosen by the composition root on first use.
    """

    def __init__(
        self,
        *,
        reader: object | None = None,
        printer: object | None = None,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self._lock = threading.RLock()
        self._clock = clock or _local_now
        self._sleep = sleep or time.sleep
        self._reader = reader
        self._printer = printer
        self._cfg: config.StationConfig | None = None
        self._cfg_stamp = 0
        self._store: CaseStore | None = None
        self._staff: StaffMember | None = None
        self._idle_ref = self._clock()
        self._online = False
        self._sync_error: str | None = None
        self._sync_client = None
        self._day_index = None  # station.cases.duplicates.DayIndex of today, built on first check
        self._unsubscribers: list[Callable[[], None]] = []
        self._stoppers: list[Callable[[], None]] = []

    # ---- plumbing ------------------------------------------------------------------

    def _now(self) -> datetime:
        return self._clock()

    def _today(self) -> date:
        return self._now().date()

    def _config(self) -> config.StationConfig:
        """The config, re-read when another part (``station enroll``, the sync client)
        changed the file, so a save here never drops their tables."""
        try:
            stamp = paths.config_file().stat().st_mtime_ns
        except FileNotFoundError:
            raise NotInitialisedError() from None
        if self._cfg is None or stamp != self._cfg_stamp:
            self._cfg = config.load()
            self._cfg_stamp = stamp
        return self._cfg

    def _save_config(self, cfg: config.StationConfig) -> None:
        config.save(cfg)
        self._cfg, self._cfg_stamp = cfg, paths.config_file().stat().st_mtime_ns

    def _cases(self) -> CaseStore:
        if self._store is None:
            cfg = self._config()
            for folder in (paths.data_dir(), paths.config_dir(), paths.print_dir()):
                private_files.tighten_tree(folder)  # files an older version left 0644
            self._store = CaseStore.open(paths.queue_file(), station_id=cfg.station_id,
                                         clock=self._clock)
            papers.purge_spool()
        return self._store

    def _require_staff(self) -> StaffMember:
        if self._staff is None or not self._cases().unlocked:
            self._staff = None
            raise LockedError()
        return self._staff

    def _require_outing(self) -> Outing:
        current = outing.current(self._today())
        if current is None:
            raise StationError("service.no_outing")
        return current

    def _reader_port(self):
        if self._reader is None:
            from station.hw.factory import make_reader

            self._reader = make_reader(self._cfg.reader if self._cfg else "auto",
                                       self._cfg.idcard_port if self._cfg else "auto")
        return self._reader

    def _printer_port(self):
        if self._printer is None:
            from station.hw.factory import make_printer

            self._printer = make_printer(self._cfg.printer if self._cfg else "auto")
        return self._printer

    # ---- first run, staff, lock ------------------------------------------------

    @property
    def initialised(self) -> bool:
        """False on a fresh machine: the TUI shows the first-run screen."""
        with self._lock:
            return self._cfg is not None or config.exists()

    def known_sites(self) -> list[str]:
        """Sites offered on the first-run screen (catalogue data); staff may type others."""
        return matters.known_sites()

    def initialise(self, *, name: str, sites: Iterable[str], staff_name: str,
                   passphrase: str, locale: str = "zh_CN") -> StaffMember:
        """Create configuration + queue + the first staff slot, and leave that member unlocked.

        Raises ``StationError`` (``service.already_initialised``, ``service.name_empty``,
        ``service.sites_empty``, ``service.passphrase_short``, ``service.staff_name_empty``)."""
        with self._lock:
            if self.initialised:
                raise StationError("service.already_initialised")
            name = check_text(name or "", "text.field_station_name").strip()
            if not name:
                raise StationError("service.name_empty")
            site_list = list(dict.fromkeys(check_text(s, "text.field_site").strip()
                                           for s in sites if s and s.strip()))
            if not site_list:
                raise StationError("service.sites_empty")
            staff_name = _staff_name(staff_name)
            _check_passphrase(passphrase)
            cfg = config.StationConfig(station_id=config.new_station_id(), name=name,
                                       sites=site_list, locale=locale)
            entry = config.StaffEntry(id=cfg.next_staff_id(), name=staff_name)
            cfg.staff.append(entry)
            _set_aside_orphan_queue(self._now())
            store = CaseStore.create(paths.queue_file(), station_id=cfg.station_id,
                                     slot=entry.id, passphrase=passphrase, clock=self._clock,
                                     local_days=cfg.retention_days)
            # The config is written last: a failure above leaves no half-made station behind.
            self._save_config(cfg)
            self._store = store  # created unlocked for its first staff member
            self._after_unlock(store)
            self._staff = StaffMember(entry.id, entry.name)
            self.touch()
            return self._staff

    def staff(self) -> list[StaffMember]:
        """For the unlock screen's name picker (works locked)."""
        with self._lock:
            return [StaffMember(s.id, s.name) for s in self._config().staff]

    def add_staff(self, name: str, passphrase: str) -> StaffMember:
        """Needs an unlocked station (a colleague vouches for the newcomer). Slow (Argon2id)."""
        with self._lock:
            self._require_staff()
            cfg = self._config()
            name = _staff_name(name)
            if any(s.name == name for s in cfg.staff):
                raise StationError("service.staff_exists", name=name)
            _check_passphrase(passphrase)
            entry = config.StaffEntry(id=cfg.next_staff_id(), name=name)
            self._cases().add_slot(entry.id, passphrase)
            cfg.staff.append(entry)
            self._save_config(cfg)
            return StaffMember(entry.id, entry.name)

    @property
    def locked(self) -> bool:
        with self._lock:
            return self._staff is None or self._store is None or not self._store.unlocked

    @property
    def current_staff(self) -> StaffMember | None:
        with self._lock:
            return None if self.locked else self._staff

    def unlock(self, staff_id: str, passphrase: str) -> StaffMember:
        """Slow (Argon2id + back-off after failures). Raises ``UnlockError`` on a wrong
        passphrase; a short back-off is waited out, a long one is reported (``paused``)."""
        with self._lock:
            entry = self._config().staff_by_id(staff_id)
            if entry is None:
                raise StationError("service.staff_unknown", staff=staff_id)
            store = self._cases()
        # Outside the service lock: a back-off wait must not freeze the status bar.
        store.unlock_waiting(entry.id, passphrase, sleep=self._sleep,
                             max_wait=MAX_UNLOCK_WAIT_S)
        with self._lock:
            self._staff = StaffMember(entry.id, entry.name)
            self.touch()
            self._bind_centre_key(store)
            self._after_unlock(store)
            self._purge_if_due()  # the first unlock of a day: yesterday's copies go
            return self._staff

    def _bind_centre_key(self, store: CaseStore) -> None:
        """Enrolled while locked (`station enroll` without --staff): the queue gets the
        centre key at the next unlock and seals what was recorded before, so it can sync."""
        if not self._config().centre.public_key:
            return  # not enrolled: nothing to bind (and no need to load the sync stack)
        from stationq.errors import QueueError

        from station.sync.enrol import ensure_centre_key

        try:
            sealed = ensure_centre_key(store.queue, self._config())
        except QueueError as err:  # e.g. bound to another centre's key: sync shows it
            log.warning("centre key not bound: %s", type(err).__name__)
            return
        if sealed:
            log.info("sealed %d earlier record versions for the centre", sealed)

    def _after_unlock(self, store: CaseStore) -> None:
        """What only an unlocked station can do, done at once: note the key the inbox key
        is sealed to (and seal an inbox key still in the clear), and seal again from the
        local copies what the centre could not open. A failure is logged (a code, never
        personal data) and never blocks the unlock."""
        from stationq.errors import QueueError

        from station.sync.identity import protect_inbox_key

        try:
            if protect_inbox_key(store.queue):
                log.info("the inbox key is now sealed under the data key")
            resealed = store.queue.reseal_unopenable()
            # Versions the centre asked for again while locked (docs/sync-protocol.md,
            # "Repair"): sealed now, sent with the next sync.
            resent = len(store.queue.resend_waiting().resent)
        except (QueueError, StationError, OSError) as err:
            log.warning("after unlock: %s", type(err).__name__)
            return
        if resealed:
            log.info("sealed %d record versions again for the centre", resealed)
        if resent:
            log.info("sealed %d record versions the centre asked for again", resent)
        # Tell the centre we are here and what we hold, without waiting for the next sync
        # run (docs/sync-protocol.md, "Pulse"); network, so never on the unlock's path.
        threading.Thread(target=self.heartbeat, name="station-heartbeat", daemon=True).start()

    def heartbeat(self) -> None:
        """Send the pulse alone; a failure is only logged (the sync loop says it in words)."""
        if not self.enrolled:
            return
        from station.sync.client import SyncFailed
        from station.sync.factory import make_client

        try:
            with self._lock:
                if self._sync_client is None:
                    self._sync_client = make_client(self._cases().queue)
                client = self._sync_client
            client.heartbeat()
        except SyncFailed as err:
            log.info("heartbeat not sent: %s", err.code)
        except StationError as err:
            log.warning("heartbeat not sent: %s", err.key)

    def lock(self) -> None:
        """Drop the data key; personal data is unreadable until the next unlock."""
        with self._lock:
            if self._store is not None:
                self._store.lock()
            self._staff = None
            self._day_index = None  # names and ID numbers: gone with the key

    def touch(self) -> None:
        """Call on every key press / click: resets the idle timer."""
        self._idle_ref = self._now()

    def lock_if_idle(self) -> bool:
        """Call every few seconds; locks after ``idle_lock_minutes`` without ``touch``.
        Returns True when it just locked (the TUI then hides personal data)."""
        with self._lock:
            if self.locked or not self.initialised:
                return False
            idle = (self._now() - self._idle_ref).total_seconds()
            if idle < self.idle_lock_minutes * 60:
                return False
            self.lock()
            return True

    @property
    def idle_lock_minutes(self) -> int:
        with self._lock:
            return self._config().idle_lock_minutes if self.initialised else 5

    def set_idle_lock_minutes(self, minutes: int) -> None:
        with self._lock:
            if not 1 <= minutes <= 120:
                raise StationError("service.idle_minutes")
            cfg = self._config()
            cfg.idle_lock_minutes = minutes
            self._save_config(cfg)

    @property
    def language(self) -> str | None:
        """The interface language chosen last (``zh_CN`` / ``en``); None before first run."""
        with self._lock:
            return self._config().locale if self.initialised else None

    def set_language(self, locale: str) -> None:
        """Keep the language switch for the next start (the config file holds no secrets,
        so this works while locked too). Nothing to keep before first run."""
        with self._lock:
            if locale not in LOCALES:
                raise StationError("service.locale_unknown", allowed="/".join(LOCALES))
            if not self.initialised:
                return
            cfg = self._config()
            if cfg.locale != locale:
                cfg.locale = locale
                self._save_config(cfg)

    # ---- outing ----------------------------------------------------------------

    def sites(self) -> list[str]:
        """The station's configured sites (choices for today's outing)."""
        with self._lock:
            return list(self._config().sites)

    def current_outing(self) -> Outing | None:
        """Today's outing, or None when staff must choose the site and staff on duty first."""
        return outing.current(self._today())

    def start_outing(self, site: str, staff_ids: Iterable[str]) -> Outing:
        """Set today's site and staff on duty (replaces an earlier choice for today).
        A site not configured yet is added to the station's sites."""
        with self._lock:
            cfg = self._config()
            chosen = outing.start(self._today(), site, staff_ids, [s.id for s in cfg.staff])
            if chosen.site not in cfg.sites:
                cfg.sites.append(chosen.site)
                self._save_config(cfg)
            self._purge_if_due()  # a new day's outing: the previous one is closed
            return chosen

    # ---- the resident ------------------------------------------------------------

    def check_id(self, text: str) -> ResidentId:
        """Live validation of a typed ID number; raises ``IdNumberError`` (its ``message()``
        is the inline error to show, e.g. the expected check digit)."""
        return parse_id(text, on=self._today())

    def resident(self, id_text: str, name: str) -> Resident:
        """A resident from typed entry (ID validated, name required: ``intake.name_empty``)."""
        rid = self.check_id(id_text)
        return Resident(rid, intake.clean_name(name), "typed")

    def resident_hints(self, resident: Resident) -> list[str]:
        """Translated hints for the resident panel, e.g. "80 岁以上，可预约上门服务"."""
        return matters.resident_hints(resident, self._today())

    def read_card(self, reader: str | None = None) -> Resident:
        """Read the card now in ``reader`` (None: whichever has one; blocking, ~100–300 ms).
        Raises a ``StationError`` from the reader (no reader, no card, not a
        social-security card, …) — or ``LockedError``: no personal data is read while
        the station is locked. A 身份证 also gives the household address (for visits)."""
        if self.locked:
            raise LockedError()
        read = self._reader_port().read(reader)
        return Resident(read.holder.resident_id, read.holder.name,
                        "training" if read.simulated else "card", tuple(read.warnings),
                        address=read.address, card_kind=read.kind)

    def watch_cards(self, on_event: Callable[[CardEvent], None]) -> Callable[[], None]:
        """Subscribe to card insert/remove; returns the unsubscribe function.
        ``on_event`` is called on the reader's thread. A card inserted while locked gives
        an "error" event carrying ``LockedError`` (the card is not read)."""
        from station.hw.ports import CardEventKind

        def listener(event) -> None:
            if event.kind is CardEventKind.REMOVED:
                on_event(CardEvent("removed"))
                return
            try:
                resident = self.read_card(event.reader or None)
            except StationError as err:
                on_event(CardEvent("error", error=err))
                return
            except Exception as err:  # a reader bug must not kill the reader's thread
                log.error("card read failed: %s", type(err).__name__)
                on_event(CardEvent("error", error=StationError("common.unexpected")))
                return
            on_event(CardEvent("inserted", resident=resident))

        unsubscribe = self._reader_port().subscribe(listener)
        self._unsubscribers.append(unsubscribe)
        return unsubscribe

    def training_cards(self) -> list[TrainingCard]:
        """Fictional residents of the simulated reader; empty with a real reader."""
        reader = self._reader_port()
        return devices.training_cards(reader, self._today())

    def insert_training_card(self, key: str | None) -> None:
        """Simulated reader only: insert that card (None removes it); events as for a real one."""
        reader = self._reader_port()
        if not devices.is_training(reader):
            raise StationError("service.no_training_reader")
        if key is None:
            reader.remove()
        else:
            reader.insert(key)

    def agent(self, id_text: str, relation: str, name: str = "") -> Agent:
        """帮办代办: validates the agent's ID and that a relation is given."""
        if not (id_text or "").strip():
            raise StationError("intake.agent_id_needed")
        rid = self.check_id(id_text)
        if rid.age(self._today()) < intake.ADULT_AGE:
            raise StationError("intake.agent_minor", age=rid.age(self._today()),
                               adult=intake.ADULT_AGE)
        relation = check_text(relation or "", "text.field_relation").strip()
        if not relation:
            raise StationError("intake.agent_relation_empty")
        return Agent(rid, relation, " ".join(
            check_text(expand(name or ""), "text.field_agent_name").split()))

    # ---- matters -----------------------------------------------------------------

    def lines(self) -> list[Choice]:
        """The 8 lines (条线): value = line code, label = its name."""
        return matters.lines()

    def menus(self) -> list[Choice]:
        """The five population menus (老年人 / 中年人 / 青年人 / 妇女 / 儿童)."""
        return matters.menus()

    def search_matters(self, query: str = "", *, line: str | None = None,
                       menu: str | None = None) -> list[MatterSummary]:
        """Chinese text, pinyin initials ("jlk") or code ("MZ01"); best match first.
        Empty query lists every matter (of the line / menu)."""
        return matters.search(query, line=line, menu=menu)

    def matter_guide(self, code: str, resident: Resident | None = None) -> MatterGuide:
        """办事指南: materials, form fields, eligibility for this resident, delivery choices."""
        return matters.guide(code, resident, self._today())

    def validate_field(self, code: str, key: str, value: str) -> str | None:
        """Inline check of one form field; returns the translated error or None."""
        return matters.validate_field(code, key, value, self._today())

    def missing_materials(self, code: str, ticked: Iterable[str],
                          answers: Mapping[str, str] | None = None,
                          delivery: str | None = None) -> list[MaterialView]:
        """Materials the answers need and staff did not tick: non-empty means 材料待补."""
        return matters.missing_materials(code, ticked, answers, delivery)

    # ---- cases -------------------------------------------------------------------

    def validate(self, draft: CaseDraft) -> list[StationError]:
        """Every problem with the draft (empty list = recordable), for showing them all at once.
        A form-field problem has key ``intake.field_problem`` and ``params["field"]`` = the
        field's key, so the TUI can put it under that field."""
        return intake.problems(draft, self._today())

    def duplicate_warnings(self, draft: CaseDraft) -> list[str]:
        """Reasons to stop before recording (translated; empty = none): the same ID number
        under another name today, or the same matter for this resident again today. Staff
        may go on with a reason: put it in ``draft.duplicate_reason`` (recorded, encrypted).
        The first call of a day reads that day's cases once (audited reads)."""
        from station.cases.duplicates import DayIndex

        with self._lock:
            self._require_staff()
            today = self._today()
            index = self._day_index
            if index is None or index[0] != today:
                built = DayIndex()
                store = self._cases()
                for row in store.summaries(today):
                    if row.status == "withdrawn" or row.damaged:
                        continue
                    try:
                        built.add(store.read_row(row))  # the listed row: no lookup per case
                    except StationError:
                        continue  # a row that cannot be read never stops the recording
                index = self._day_index = (today, built)
            return index[1].warnings(draft)

    def record_case(self, draft: CaseDraft) -> RecordOutcome:
        """Validate (raises the first error, nothing stored), append to the queue, then print
        the receipt — or the 一次性告知单 when materials are missing (status 材料待补).
        Needs an unlocked station and today's outing (``service.no_outing``)."""
        with self._lock:
            staff = self._require_staff()
            today_outing = self._require_outing()
            problems = intake.problems(draft, self._today())
            if problems:
                raise problems[0]
            store = self._cases()
            now = self._now()
            case = intake.new_case(draft, case_no=store.next_case_no(today_outing.day),
                                   site=today_outing.site, staff_id=staff.id,
                                   outing_date=today_outing.day, now=now)
            case = store.append(case, staff_on_duty=today_outing.staff_ids)
            if self._day_index is not None and self._day_index[0] == case.outing_date:
                self._day_index[1].add(case)
        return RecordOutcome(case, self._print(case))

    def rate(self, case_no: str, rating: int | None) -> None:
        """好差评 1–5 after the case is recorded; None = the resident skipped (nothing stored)."""
        if rating is None:
            return
        if not isinstance(rating, int) or not 1 <= rating <= 5:
            raise StationError("service.rating_range")
        with self._lock:
            self._require_staff()
            store = self._cases()
            case = store.get(case_no)
            store.amend(replace(case, rating=rating, reason="", updated_at=self._now()),
                        reason_code="rating")

    def today_cases(self, day: date | None = None, *, status: CaseStatus | None = None,
                    matter: str | None = None, line: str | None = None,
                    staff_id: str | None = None) -> list[CaseSummary]:
        """Cases of a day (default today), newest first; clear metadata only (works locked)."""
        with self._lock:
            cfg = self._config()
            names = {s.id: s.name for s in cfg.staff}
            reprints = set(papers.awaiting_reprint())
            rows = self._cases().summaries(day or self._today())
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
            out.append(matters.case_summary(row, names.get(row.staff_id, row.staff_id),
                                            row.case_no in reprints))
        return out

    def case_people(self, day: date | None = None) -> dict[str, tuple[str, str]]:
        """Case number → (name, ID number) for the day's cases, for the cases list's name
        column and search; only while a staff member is signed in (personal data)."""
        with self._lock:
            self._require_staff()
            store = self._cases()
            out: dict[str, tuple[str, str]] = {}
            for row in store.summaries(day or self._today()):
                try:
                    case = store.read_row(row)
                except (StationError, ValueError, KeyError, TypeError):
                    continue  # one unreadable record must not empty the list
                out[row.case_no] = (case.resident.name, case.resident.id.number)
            return out

    def open_case(self, case_no: str) -> Case:
        """The full case (audited as a read of personal data). Raises ``LockedError`` when locked,
        ``service.case_unknown`` when there is no such case."""
        with self._lock:
            self._require_staff()
            return self._cases().get(case_no)

    def centre_status(self, case: Case) -> CentreStatus | None:
        """What the centre's back office last did with this case (pulled at the last
        sync): its status, and for a 退回 the worker's reason and the materials still
        needed, opened with the inbox key. None before the centre has moved it."""
        from shared.protocol import STATUS_ZH, open_for_station
        from station import matters
        from station.sync.inbox import Inbox

        with self._lock:
            self._require_staff()
            inbox = Inbox()
            try:
                row = inbox.case_status(case.record_id) or inbox.case_status(case.case_no)
            finally:
                inbox.close()
            if row is None or row.status not in STATUS_ZH:
                return None
            note, needed = "", ()
            if row.sealed:
                try:
                    from station.sync.identity import open_inbox_key

                    sealed = open_for_station(open_inbox_key(self._cases().queue),
                                              self._config().station_id, row.uid, row.sealed)
                except (StationError, ValueError):
                    sealed = {"note": t("service.centre_note_unreadable")}
                note = str(sealed.get("note") or "")[:400]
                codes = sealed.get("needed") or ()
                names = {m.code: m.name for m in matters.matter(case.matter).materials}
                needed = tuple(names.get(c, str(c)[:40]) for c in codes
                               if isinstance(c, str))
            return CentreStatus(status=row.status, label=t(f"service.centre_{row.status}"),
                                at=row.at, note=note, needed=needed)

    def case_history(self, case_no: str) -> list[Case]:
        """Every version, oldest first (amendments, withdrawal, rating)."""
        with self._lock:
            self._require_staff()
            return self._cases().history(case_no)

    def reprint(self, case_no: str, *, pdf: Path | None = None) -> PrintOutcome:
        """Render the case's current paper again and print it (or write it to ``pdf``),
        marked 补打 with the time of this print; 受理时间 stays the case's own."""
        with self._lock:
            case = self._changeable(self._cases(), case_no)
        return self._print(case, pdf=pdf, reprint=True)

    def _changeable(self, store: CaseStore, case_no: str) -> Case:
        """The case's latest version for a staff member to print or change; a withdrawn
        case is closed. Called with the lock held."""
        self._require_staff()
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
        reason = intake.clean_reason(reason)
        with self._lock:
            store = self._cases()
            old = self._changeable(store, case_no)
            draft = CaseDraft(
                resident=old.resident, matter=old.matter,
                answers=old.answers if answers is None else dict(answers),
                materials=old.materials if materials is None else frozenset(materials),
                agent=old.agent if agent is False else agent,
                delivery=delivery or old.delivery,
            )
            problems = intake.problems(draft, self._today())
            if problems:
                raise problems[0]
            new = intake.amended(old, draft, reason=reason, now=self._now())
            new = store.amend(new, reason_code="amend")
            self._day_index = None  # rebuilt on the next check
        if new.status != old.status or new.missing != old.missing or new.due_date != old.due_date:
            return RecordOutcome(new, self._print(new))
        return RecordOutcome(new, None)

    def withdraw(self, case_no: str, *, reason: str) -> Case:
        """New version with status 已撤回 (reason required)."""
        reason = intake.clean_reason(reason)
        with self._lock:
            store = self._cases()
            old = self._changeable(store, case_no)
            new = replace(old, status="withdrawn", reason=reason, updated_at=self._now(),
                          due_date=None)
            new = store.amend(new, reason_code="withdraw")
            self._day_index = None  # rebuilt on the next check
            papers.clear_reprint(new.case_no)
            return new

    def awaiting_reprint(self) -> list[str]:
        """Case numbers whose last paper did not print."""
        return papers.awaiting_reprint()

    # ---- retention -----------------------------------------------------------------

    def purge_expired(self):  # -> station.retention.PurgeSummary
        """Remove local copies past the configured window (``retention_days``) whose data
        is safe elsewhere, holding open home visits; counts only. Works locked. Audited
        by the queue. See ``station.retention``."""
        from station import retention

        with self._lock:
            cfg = self._config()
            return retention.purge(self._cases().queue, local_days=cfg.retention_days,
                                   now=self._now())

    def verify(self, *, quick: bool = False):  # -> station.verification.Outcome
        """What in the queue and the station's files cannot be trusted (works locked; local
        copies are authenticated too while unlocked). ``quick``: the last two days' rows
        only, for doctor. Findings carry no personal data."""
        from station import verification

        with self._lock:
            files = verification.loose_files()
            queue = self._cases().queue
            with translated():
                if quick:
                    return verification.quick(queue, self._now(), files)
                return verification.full(queue, files)

    def _purge_if_due(self) -> None:
        """Once a day; a failure is logged (counts and keys only) and never blocks work."""
        from station import retention

        if not retention.due(self._today()):
            return
        try:
            summary = self.purge_expired()
        except StationError as err:
            log.warning("retention purge failed: %s", err.key)
            return
        log.info("retention purge: %s", summary.to_dict())

    # ---- home visits ---------------------------------------------------------------

    @functools.cached_property
    def visits(self):  # -> station.visits.service.VisitService
        """Home-visit appointments (预约上门): book, schedule, plan, print, mark — see
        ``station.visits.service``; same lock, queue, clock and printer as cases."""
        from station.visits.service import VisitService

        return VisitService(self)

    # ---- printing ----------------------------------------------------------------

    def _print(self, case: Case, *, pdf: Path | None = None,
               reprint: bool = False) -> PrintOutcome:
        """Render and print outside the lock (the printer may take seconds)."""
        cfg = self._config()
        staff = cfg.staff_by_id(case.staff_id)
        outcome = papers.print_case(
            case, station_name=cfg.name, staff_name=staff.name if staff else case.staff_id,
            printer=None if pdf else self._printer_port(), pdf=pdf, paper=cfg.paper,
            reprinted_at=self._now() if reprint else None)
        with self._lock:
            self._cases().audit_print(case, outcome)
        return outcome

    # ---- sync with the centre ------------------------------------------------------

    @property
    def enrolled(self) -> bool:
        """Enrolled with a centre (``station enroll``); before that the station is offline."""
        with self._lock:
            if not self.initialised:
                return False
            cfg = self._config()
            return bool(cfg.centre.url and cfg.extra.get("sync", {}).get("centre_sign_pub"))

    def sync_once(self) -> str | None:
        """One push-then-pull with the centre (works locked: sealed copies only). Returns the
        words for the status bar when something went wrong, else None. Slow: use a worker."""
        if not self.enrolled:
            return None
        from station.sync.factory import make_client

        with self._lock:
            if self._sync_client is None:
                self._sync_client = make_client(self._cases().queue)
            client = self._sync_client
        state = client.run_once()  # network: outside the service lock
        self._online = bool(state.online)
        self._sync_error = state.last_error
        if state.pulled and not self.locked:
            # Home-visit requests the centre sent down become appointments now (unlocked
            # only: they are opened with the inbox key and stored encrypted).
            try:
                self.visits.import_requests()
            except StationError as err:
                log.warning("visit requests not taken in: %s", err.key)
        return state.last_error

    def start_sync(self, interval_s: float = 60.0) -> Callable[[], None]:
        """Sync in a background thread every ``interval_s`` (backing off while failing);
        returns ``stop``. Does nothing before enrolment."""
        stop = threading.Event()
        if not self.enrolled:
            return stop.set

        def loop() -> None:
            from station.sync.client import backoff_delays

            delays = backoff_delays()
            while not stop.is_set():
                try:
                    error = self.sync_once()
                except StationError as err:  # e.g. broken keys file: shown, retried later
                    error, self._online = err.message(), False
                    self._sync_error = error
                if error is None:
                    delays = backoff_delays()
                stop.wait(interval_s if error is None else next(delays))

        thread = threading.Thread(target=loop, name="station-sync", daemon=True)
        thread.start()
        self._stoppers.append(stop.set)
        return stop.set

    # ---- status bar ------------------------------------------------------------

    def status(self) -> StationStatus:
        with self._lock:
            cfg = self._config() if self.initialised else None
            store = self._cases() if cfg else None
            pending = store.pending_count() if store is not None else 0
            current = self.current_outing() if cfg else None
            staff = self.current_staff
            enrolled = self.enrolled if cfg else False
        # Outside the service lock: a list of every case, not to hold up a keystroke.
        pending_cases = store.pending_cases() if store is not None and pending else 0
        reader = devices.reader_state(self._reader_port())
        printer = devices.printer_state(self._printer_port())
        return StationStatus(
            station_name=cfg.name if cfg else "",
            reader=reader[0], reader_label=reader[1], training=reader[0] == "training",
            printer=printer[0], printer_label=printer[1], print_folder=printer[2],
            online=self._online,
            # Before enrolment nothing uploads, online or not: say where the records are.
            online_label=t("service.online" if self._online else "service.offline")
            if enrolled else t("service.not_enrolled_local"),
            sync_error=self._sync_error or "",
            pending=pending, pending_cases=pending_cases,
            awaiting_reprint=len(papers.awaiting_reprint()),
            locked=staff is None, staff=staff, site=current.site if current else None,
            idle_lock_minutes=cfg.idle_lock_minutes if cfg else 5,
        )

    def close(self) -> None:
        """Lock, stop watching the reader, close the queue."""
        with self._lock:
            for unsubscribe in self._unsubscribers + self._stoppers:
                unsubscribe()
            self._unsubscribers.clear()
            self._stoppers.clear()
            if self._sync_client is not None:
                self._sync_client.close()
                self._sync_client = None
            self.lock()
            if self._store is not None:
                self._store.close()
                self._store = None
            if self._reader is not None and hasattr(self._reader, "close"):
                self._reader.close()


def _set_aside_orphan_queue(now: datetime) -> None:
    """A queue without a config is left from a first run that died half-way (or a lost
    config): keep it, renamed with its WAL files, rather than refuse to start or delete it."""
    queue = paths.queue_file()
    if not queue.exists():
        return
    stamp = now.strftime("%Y%m%d-%H%M%S")
    log.warning("setting aside a queue file without configuration")
    for suffix in ("", "-wal", "-shm"):
        part = queue.with_name(queue.name + suffix)
        if part.exists():
            part.rename(queue.with_name(f"{queue.name}.orphan-{stamp}{suffix}"))


def _staff_name(name: str) -> str:
    name = check_text(name or "", "text.field_staff_name").strip()
    if not name:
        raise StationError("service.staff_name_empty")
    return name[:MAX_NAME]


def _check_passphrase(passphrase: str) -> None:
    if len(passphrase or "") < MIN_PASSPHRASE:
        raise StationError("service.passphrase_short", min=MIN_PASSPHRASE)


def open_service() -> Service:
    """Composition root: the PC/SC reader if one is present, else the simulated reader
    (training); the CUPS default printer if any, else the PDF-folder printer."""
    from station.composition import build_service

    return build_service()
