"""Who works at this station today: first run, staff slots, unlock, idle lock, the outing.

Why together: these are the steps before any case — create the station, add a
colleague's passphrase slot, unlock, lock again when the laptop is left alone,
choose today's site and staff on duty — and the settings the unlock screen and
the palette change (idle minutes, language). They touch only the session's
config and key slots; what an unlock sets off elsewhere (sealing for the centre,
the daily purge) is the sync runner's and retention's.

``initialise``, ``unlock`` and ``add_staff`` run Argon2id and may wait out a
back-off after wrong passphrases: call them from a worker thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from shared.errors import StationError
from shared.i18n import LOCALES
from shared.text import check_text
from station import config, outing, paths
from station.cases.store import CaseStore
from station.outing import Outing
from station.retention import RetentionKeeper
from station.session import Session
from station.sync.runner import SyncRunner
from station.views import StaffMember

log = logging.getLogger("station.sign_in")

MIN_PASSPHRASE = 8
MAX_UNLOCK_WAIT_S = 30.0  # a back-off longer than this is reported, not waited out
MAX_NAME = 40
DEFAULT_IDLE_MINUTES = 5


class SignIn:
    def __init__(self, session: Session, *, sync: SyncRunner, retention: RetentionKeeper,
                 on_lock: Callable[[], None] = lambda: None) -> None:
        self.session = session
        self.sync = sync
        self.retention = retention
        self.on_lock = on_lock  # e.g. the case desk forgets today's names
        self.idle_since = session.now()

    # ---- first run and staff ---------------------------------------------------------

    def initialise(self, *, name: str, sites: Iterable[str], staff_name: str,
                   passphrase: str, locale: str = "zh_CN") -> StaffMember:
        """Create configuration + queue + the first staff slot, and leave that member unlocked.

        Raises ``StationError`` (``service.already_initialised``, ``service.name_empty``,
        ``service.sites_empty``, ``service.passphrase_short``, ``service.staff_name_empty``)."""
        s = self.session
        with s.lock:
            if s.initialised:
                raise StationError("service.already_initialised")
            name = check_text(name or "", "text.field_station_name").strip()
            if not name:
                raise StationError("service.name_empty")
            site_list = list(dict.fromkeys(check_text(x, "text.field_site").strip()
                                           for x in sites if x and x.strip()))
            if not site_list:
                raise StationError("service.sites_empty")
            staff_name = _staff_name(staff_name)
            _check_passphrase(passphrase)
            cfg = config.StationConfig(station_id=config.new_station_id(), name=name,
                                       sites=site_list, locale=locale)
            entry = config.StaffEntry(id=cfg.next_staff_id(), name=staff_name)
            cfg.staff.append(entry)
            _set_aside_orphan_queue(s.now())
            store = CaseStore.create(paths.queue_file(), station_id=cfg.station_id,
                                     slot=entry.id, passphrase=passphrase, clock=s.clock,
                                     local_days=cfg.retention_days, kdf=s.kdf)
            # The config is written last: a failure above leaves no half-made station behind.
            s.save_config(cfg)
            s.created(store)  # created unlocked for its first staff member
            self.sync.after_unlock(store)
            s.staff = StaffMember(entry.id, entry.name)
            self.touch()
            return s.staff

    def staff(self) -> list[StaffMember]:
        """For the unlock screen's name picker (works locked)."""
        with self.session.lock:
            return [StaffMember(x.id, x.name) for x in self.session.config().staff]

    def add_staff(self, name: str, passphrase: str) -> StaffMember:
        """Needs an unlocked station (a colleague vouches for the newcomer). Slow (Argon2id)."""
        s = self.session
        with s.lock:
            s.require_staff()
            cfg = s.config()
            name = _staff_name(name)
            if any(x.name == name for x in cfg.staff):
                raise StationError("service.staff_exists", name=name)
            _check_passphrase(passphrase)
            entry = config.StaffEntry(id=cfg.next_staff_id(), name=name)
            s.cases().add_slot(entry.id, passphrase, s.kdf)
            cfg.staff.append(entry)
            s.save_config(cfg)
            return StaffMember(entry.id, entry.name)

    # ---- lock ------------------------------------------------------------------------

    @property
    def current_staff(self) -> StaffMember | None:
        with self.session.lock:
            return None if self.session.locked else self.session.staff

    def unlock(self, staff_id: str, passphrase: str) -> StaffMember:
        """Slow (Argon2id + back-off after failures). Raises ``UnlockError`` on a wrong
        passphrase; a short back-off is waited out, a long one is reported (``paused``)."""
        s = self.session
        with s.lock:
            entry = s.config().staff_by_id(staff_id)
            if entry is None:
                raise StationError("service.staff_unknown", staff=staff_id)
            store = s.cases()
        # Outside the session lock: a back-off wait must not freeze the status bar.
        store.unlock_waiting(entry.id, passphrase, sleep=s.sleep, max_wait=MAX_UNLOCK_WAIT_S)
        with s.lock:
            s.staff = StaffMember(entry.id, entry.name)
            self.touch()
            self.sync.bind_centre_key(store)
            self.sync.after_unlock(store)
            self.retention.purge_if_due()  # the first unlock of a day: yesterday's copies go
            return s.staff

    def lock(self) -> None:
        """Drop the data key; personal data is unreadable until the next unlock."""
        with self.session.lock:
            store = self.session.store_if_open()
            if store is not None:
                store.lock()
            self.session.staff = None
            self.on_lock()

    def touch(self) -> None:
        """Call on every key press / click: resets the idle timer."""
        self.idle_since = self.session.now()

    def lock_if_idle(self) -> bool:
        """Call every few seconds; locks after ``idle_lock_minutes`` without ``touch``.
        Returns True when it just locked (the TUI then hides personal data)."""
        s = self.session
        with s.lock:
            if s.locked or not s.initialised:
                return False
            if (s.now() - self.idle_since).total_seconds() < self.idle_lock_minutes * 60:
                return False
            self.lock()
            return True

    # ---- settings ----------------------------------------------------------------------

    @property
    def idle_lock_minutes(self) -> int:
        with self.session.lock:
            s = self.session
            return s.config().idle_lock_minutes if s.initialised else DEFAULT_IDLE_MINUTES

    def set_idle_lock_minutes(self, minutes: int) -> None:
        with self.session.lock:
            if not 1 <= minutes <= 120:
                raise StationError("service.idle_minutes")
            cfg = self.session.config()
            cfg.idle_lock_minutes = minutes
            self.session.save_config(cfg)

    @property
    def language(self) -> str | None:
        """The interface language chosen last (``zh_CN`` / ``en``); None before first run."""
        with self.session.lock:
            return self.session.config().locale if self.session.initialised else None

    def set_language(self, locale: str) -> None:
        """Keep the language switch for the next start (the config file holds no secrets,
        so this works while locked too). Nothing to keep before first run."""
        with self.session.lock:
            if locale not in LOCALES:
                raise StationError("service.locale_unknown", allowed="/".join(LOCALES))
            if not self.session.initialised:
                return
            cfg = self.session.config()
            if cfg.locale != locale:
                cfg.locale = locale
                self.session.save_config(cfg)

    # ---- today's outing ----------------------------------------------------------------

    def sites(self) -> list[str]:
        """The station's configured sites (choices for today's outing)."""
        with self.session.lock:
            return list(self.session.config().sites)

    def current_outing(self) -> Outing | None:
        """Today's outing, or None when staff must choose the site and staff on duty first."""
        return outing.current(self.session.today())

    def start_outing(self, site: str, staff_ids: Iterable[str]) -> Outing:
        """Set today's site and staff on duty (replaces an earlier choice for today).
        A site not configured yet is added to the station's sites."""
        s = self.session
        with s.lock:
            cfg = s.config()
            chosen = outing.start(s.today(), site, staff_ids, [x.id for x in cfg.staff])
            if chosen.site not in cfg.sites:
                cfg.sites.append(chosen.site)
                s.save_config(cfg)
            self.retention.purge_if_due()  # a new day's outing: the previous one is closed
            return chosen


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
