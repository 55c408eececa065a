"""Cases in the encrypted queue: the station core's only use of ``stationq``.

Why a wrapper: the queue library stores records for anyone and knows nothing of
cases; this module decides the record kind, the clear metadata (from
``station.cases.codec``), how a case number finds its record, and turns the queue's
typed errors into sentences for staff. The amendment reason the queue keeps is
a fixed code (``amend`` / ``withdraw`` / ``rating``), because what staff type as a
reason may name the resident; their words travel in the encrypted payload.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from stationq import Queue, RecordInfo
from stationq import errors as qerr
from stationq.keys import DEFAULT_KDF, KdfParams

from shared.errors import StationError
from station.cases import codec
from station.cases import queue_open as queue_access
from station.cases.model import CASE_KIND, STATUSES, Case
from station.cases.queue_open import translated as _translated
from station.catalogue import matters
from station.errors import UnlockError
from station.printout import PrintOutcome


@dataclass(frozen=True)
class CaseRow:
    """A case's latest version, from clear metadata only."""

    case_no: str
    record_id: str
    version: int
    matter: str
    line: str
    site: str
    staff_id: str
    day: date
    status: str
    created_at: datetime
    updated_at: datetime
    damaged: str = ""  # why the row cannot be trusted ("" = intact); see _row


DAMAGED = "damaged"  # the status a damaged row is listed with


class CaseStore:
    def __init__(self, queue: Queue, station_id: str) -> None:
        self._q = queue
        self._station_id = station_id

    @classmethod
    def create(cls, path: Path, *, station_id: str, slot: str, passphrase: str,
               clock: Callable[[], datetime], local_days: int = 0,
               kdf: KdfParams = DEFAULT_KDF) -> CaseStore:
        return cls(queue_access.create_queue(path, station_id=station_id, slot=slot,
                                             passphrase=passphrase, local_days=local_days,
                                             clock=clock, kdf=kdf), station_id)

    @classmethod
    def open(cls, path: Path, *, station_id: str, clock: Callable[[], datetime]) -> CaseStore:
        return cls(queue_access.open_queue(path, clock=clock), station_id)

    @property
    def queue(self) -> Queue:
        """The underlying queue, for the sync client (it pushes sealed copies)."""
        return self._q

    # ---- keys --------------------------------------------------------------------

    @property
    def unlocked(self) -> bool:
        return self._q.unlocked

    def unlock(self, slot: str, passphrase: str) -> None:
        self.unlock_waiting(slot, passphrase, sleep=lambda _s: None, max_wait=0)

    def unlock_waiting(self, slot: str, passphrase: str, *, sleep: Callable[[float], None],
                       max_wait: float) -> None:
        """Unlock; a back-off shorter than ``max_wait`` is slept out once, then retried."""
        for attempt in (1, 2):
            try:
                with _translated_unlock():
                    self._q.unlock(slot, passphrase)
                return
            except _Paused as paused:
                if attempt == 1 and paused.retry_after <= max_wait:
                    sleep(paused.retry_after)
                    continue
                raise UnlockError(paused.failures, paused.retry_after, paused=True) from None

    def lock(self) -> None:
        self._q.lock()

    def add_slot(self, slot: str, passphrase: str, kdf: KdfParams = DEFAULT_KDF) -> None:
        with _translated():
            self._q.add_slot(slot, passphrase, kdf)

    def close(self) -> None:
        self._q.close()

    # ---- cases -------------------------------------------------------------------

    def _rows(self, **meta: str) -> list[CaseRow]:
        """Latest version of each matching case (the queue lists latest versions only).

        A row whose clear fields fail their check (``Queue.damaged``) or do not parse is
        listed as damaged, never dropped and never allowed to stop the list."""
        with _translated():
            infos = self._q.list(kind=CASE_KIND, **meta)
            damaged = self._q.damaged(infos) if infos else {}
        rows, seen = [], set()
        for info in infos:
            row = _row(info, damaged.get(info.key, ""), seen)
            seen.add(row.case_no)
            rows.append(row)
        return sorted(rows, key=lambda r: (r.created_at, r.case_no), reverse=True)

    def summaries(self, day: date) -> list[CaseRow]:
        return self._rows(date=day.isoformat())

    def next_case_no(self, day: date) -> str:
        """The day's next number from a counter kept in the queue file: never handed out
        twice, even when a row goes missing, and drawn without recounting the day."""
        prefix = f"{self._station_id}-{day:%y%m%d}-"

        def used() -> int:  # first number of the day (or a file from before the counter)
            numbers = [int(r.case_no[len(prefix):]) for r in self._rows(date=day.isoformat())
                       if r.case_no.startswith(prefix) and r.case_no[len(prefix):].isdigit()]
            return max(numbers, default=0)

        with _translated():
            n = self._q.next_number(f"case/{day:%y%m%d}", used)
        return f"{prefix}{n:03d}"

    def _find(self, case_no: str) -> CaseRow:
        case_no = (case_no or "").strip().upper()
        rows = [r for r in self._rows(case_no=case_no) if not r.damaged] if case_no else []
        if not rows:
            raise StationError("service.case_unknown", case=case_no[:30])
        return rows[0]

    def _read(self, record_id: str, version: int | None = None) -> Case:
        with _translated():
            result = self._q.read(record_id, version)
        return codec.case_from_payload(result.payload, record_id, result.info.version)

    def read_row(self, row: CaseRow) -> Case:
        """The case a listed row stands for, without looking its number up again."""
        return self._read(row.record_id, row.version)

    def get(self, case_no: str) -> Case:
        row = self._find(case_no)
        return self._read(row.record_id, row.version)

    def history(self, case_no: str) -> list[Case]:
        """Versions still held here, oldest first (retention may have removed earlier ones)."""
        row = self._find(case_no)
        return [codec.case_from_payload(r.payload, row.record_id, r.info.version)
                for r in queue_access.read_history(self._q, row.record_id, row.version)]

    def append(self, case: Case, *, staff_on_duty: tuple[str, ...] = ()) -> Case:
        line = matters.line_code(matters.matter(case.matter))
        with _translated():
            info = self._q.append(CASE_KIND, codec.payload(case, staff_on_duty),
                                  codec.clear_meta(case, line))
        return replace(case, record_id=info.record_id, version=info.version)

    def amend(self, case: Case, *, reason_code: str) -> Case:
        line = matters.line_code(matters.matter(case.matter))
        with _translated():
            old = self._q.read(case.record_id, None).payload
            info = self._q.amend(case.record_id, codec.payload(case, tuple(old.get(
                "staff_on_duty", ()))), reason=reason_code, meta=codec.clear_meta(case, line))
        return replace(case, version=info.version)

    def audit_print(self, case: Case, outcome: PrintOutcome) -> None:
        with _translated():
            self._q.audit("print", case_no=case.case_no, ref=outcome.document,
                          outcome="printed" if outcome.printed else "failed")

    def pending_cases(self) -> int:
        """Cases whose latest version has not been acknowledged: what the sync report
        counts as pending (``shared.reports.figures``), so the two figures agree."""
        with _translated():
            infos = self._q.list(kind=CASE_KIND)
        return sum(1 for info in infos if info.state in ("pending", "sent"))

    def pending_count(self) -> int:
        with _translated():
            stats = self._q.stats()
        return sum(stats.counts.get(s, 0) for s in ("pending", "sent"))


def _row(info: RecordInfo, damaged: str, seen: set[str]) -> CaseRow:
    """A list row from clear metadata; anything missing or malformed marks it damaged
    (what did parse is still shown, so staff can tell which case it is)."""
    meta = info.meta
    created, updated = info.record_created_at.astimezone(), info.created_at.astimezone()
    case_no, matter, status = (meta.get(k) for k in ("case_no", "matter", "status"))
    try:
        day = date.fromisoformat(meta["date"])
    except (KeyError, TypeError, ValueError):
        day, damaged = created.date(), damaged or "clear metadata unreadable"
    if (status not in STATUSES or not isinstance(case_no, str)
            or not isinstance(matter, str)):
        damaged = damaged or "clear metadata unreadable"
    case_no = case_no if isinstance(case_no, str) else ""
    if damaged:
        status = DAMAGED
        if not case_no or case_no in seen or len(case_no) > 30:
            case_no = f"#{info.seq}"  # the list needs a unique key; the seq names the row
    return CaseRow(case_no=case_no, record_id=info.record_id, version=info.version,
                   matter=str(matter or "")[:16], line=str(meta.get("line", ""))[:16],
                   site=str(meta.get("site", ""))[:40], staff_id=str(meta.get("staff", ""))[:64],
                   day=day, status=str(status), created_at=created, updated_at=updated,
                   damaged=damaged)


class _Paused(Exception):
    def __init__(self, failures: int, retry_after: float) -> None:
        self.failures = failures
        self.retry_after = retry_after


@contextmanager
def _translated_unlock() -> Iterator[None]:
    try:
        yield
    except qerr.WrongPassphraseError as err:
        raise UnlockError(err.failures, err.retry_after) from None
    except qerr.TooManyAttemptsError as err:
        raise _Paused(err.failures, err.retry_after) from None
    except qerr.UnknownSlotError as err:
        raise StationError("service.staff_unknown", staff=err.slot) from None
    except qerr.QueueError as err:
        raise StationError("service.queue_error", code=err.code) from None
