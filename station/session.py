"""The station's session: what every desk service shares, and nothing else.

Why one object: the case desk, home visits, the sync runner, retention and the
status bar all need the same lock, clock, configuration, queue, signed-in staff
member and hardware ports. Each service receives this session instead of reaching
into a neighbour, so a newcomer finds the shared state in one short module and
each service's own work in a module named for it.

Threading: ``lock`` serialises every service's calls (one ``RLock``: a service
may call another while holding it). Slow work — Argon2id, the network, the
printer — is done outside it by the services themselves.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date, datetime

from stationq.keys import DEFAULT_KDF, KdfParams

from station import config, paths, private_files
from station.cases import papers
from station.cases.store import CaseStore
from station.errors import LockedError, NotInitialisedError
from station.hw.factory import make_printer, make_reader
from station.hw.ports import CardReader, Printer
from station.views import StaffMember


def local_now() -> datetime:
    return datetime.now().astimezone()


class Session:
    """Lock, clock, config, case store, current staff member and hardware ports.

    A reader or printer left as None is chosen by ``station.hw.factory`` on first use
    (from the config's settings). ``kdf`` is the Argon2id cost of new passphrase
    slots: the queue's default unless a test asks for a cheap one.
    """

    def __init__(self, *, reader: CardReader | None = None, printer: Printer | None = None,
                 clock: Callable[[], datetime] | None = None,
                 sleep: Callable[[float], None] | None = None,
                 kdf: KdfParams = DEFAULT_KDF) -> None:
        self.lock = threading.RLock()
        self.clock = clock or local_now
        self.sleep = sleep or time.sleep
        self.kdf = kdf
        self.staff: StaffMember | None = None
        self._reader = reader
        self._printer = printer
        self._cfg: config.StationConfig | None = None
        self._cfg_stamp = 0
        self._store: CaseStore | None = None

    # ---- time --------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.now().date()

    # ---- configuration -------------------------------------------------------------

    @property
    def initialised(self) -> bool:
        """False on a fresh machine: the TUI shows the first-run screen."""
        with self.lock:
            return self._cfg is not None or config.exists()

    def config(self) -> config.StationConfig:
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

    def save_config(self, cfg: config.StationConfig) -> None:
        config.save(cfg)
        self._cfg, self._cfg_stamp = cfg, paths.config_file().stat().st_mtime_ns

    # ---- the queue -------------------------------------------------------------------

    def cases(self) -> CaseStore:
        """The case store, opened (locked) on first use."""
        if self._store is None:
            cfg = self.config()
            for folder in (paths.data_dir(), paths.config_dir(), paths.print_dir()):
                private_files.tighten_tree(folder)  # files an older version left 0644
            self._store = CaseStore.open(paths.queue_file(), station_id=cfg.station_id,
                                         clock=self.clock)
            papers.purge_spool()
        return self._store

    def created(self, store: CaseStore) -> None:
        """First run: the store was just created (and unlocked) by the sign-in desk."""
        self._store = store

    def store_if_open(self) -> CaseStore | None:
        return self._store

    # ---- who is signed in ------------------------------------------------------------

    @property
    def locked(self) -> bool:
        with self.lock:
            return self.staff is None or self._store is None or not self._store.unlocked

    def require_staff(self) -> StaffMember:
        """The signed-in member, or ``LockedError`` (personal data needs an unlocked key)."""
        if self.staff is None or not self.cases().unlocked:
            self.staff = None
            raise LockedError()
        return self.staff

    def staff_name(self, staff_id: str) -> str:
        entry = self.config().staff_by_id(staff_id)
        return entry.name if entry else staff_id

    # ---- hardware ports --------------------------------------------------------------

    def reader(self) -> CardReader:
        if self._reader is None:
            self._reader = make_reader(
                self._cfg.reader if self._cfg else "auto",
                self._cfg.idcard_port if self._cfg else "auto")
        return self._reader  # type: ignore[return-value]

    def printer(self) -> Printer:
        if self._printer is None:
            self._printer = make_printer(
                self._cfg.printer if self._cfg else "auto")
        return self._printer  # type: ignore[return-value]

    def close(self) -> None:
        """Lock, close the queue and the reader (called by the façade's ``close``)."""
        with self.lock:
            self.staff = None
            if self._store is not None:
                self._store.lock()
                self._store.close()
                self._store = None
            close = getattr(self._reader, "close", None)
            if close is not None:
                close()

