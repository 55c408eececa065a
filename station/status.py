"""The status bar: one snapshot of the station, in words.

Why its own module: the bar polls every few seconds while staff type, so it takes
the session lock only for the quick counts and asks the reader, the printer and
the full pending list outside it; and it is the one place that gathers figures
from every other service (queue, outing, sync, papers, hardware).
"""

from __future__ import annotations

from shared.i18n import t
from station import devices, outing
from station.cases import papers
from station.session import Session
from station.sign_in import DEFAULT_IDLE_MINUTES
from station.sync.runner import SyncRunner
from station.views import StationStatus


class StatusBoard:
    def __init__(self, session: Session, sync: SyncRunner) -> None:
        self.session = session
        self.sync = sync

    def status(self) -> StationStatus:
        s = self.session
        with s.lock:
            cfg = s.config() if s.initialised else None
            store = s.cases() if cfg else None
            pending = store.pending_count() if store is not None else 0
            current = outing.current(s.today()) if cfg else None
            staff = None if s.locked else s.staff
            enrolled = self.sync.enrolled if cfg else False
        # Outside the session lock: a list of every case, not to hold up a keystroke.
        pending_cases = store.pending_cases() if store is not None and pending else 0
        reader = devices.reader_state(s.reader())
        printer = devices.printer_state(s.printer())
        online = self.sync.online
        return StationStatus(
            station_name=cfg.name if cfg else "",
            reader=reader[0], reader_label=reader[1], training=reader[0] == "training",
            printer=printer[0], printer_label=printer[1], print_folder=printer[2],
            online=online,
            # Before enrolment nothing uploads, online or not: say where the records are.
            online_label=t("service.online" if online else "service.offline")
            if enrolled else t("service.not_enrolled_local"),
            sync_error=self.sync.error or "",
            pending=pending, pending_cases=pending_cases,
            awaiting_reprint=len(papers.awaiting_reprint()),
            locked=staff is None, staff=staff, site=current.site if current else None,
            idle_lock_minutes=cfg.idle_lock_minutes if cfg else DEFAULT_IDLE_MINUTES,
        )
