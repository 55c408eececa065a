"""The station's side of sync as the desk runs it: the loop, the pulse, and what an unlock
owes the centre.

Why apart from the client: ``station.sync.client`` speaks the protocol; this runs
it for a session — one client per session, a background loop with back-off, the
words for the status bar — and does the chores only an unlocked station can do
(bind the centre key, seal the inbox key, seal again what the centre could not
open). The sync stack (httpx and the keys) is imported only once the station is
enrolled, so an offline laptop starts without it — which is also why this module
sits beside ``station/sync/`` rather than in it: that package's ``__init__`` loads
the client.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from stationq.errors import QueueError

from shared.errors import StationError
from shared.i18n import t
from shared.protocol import STATUS_ZH, open_for_station
from station.cases.model import Case
from station.cases.store import CaseStore
from station.catalogue import matters
from station.session import Session
from station.views import CentreStatus

log = logging.getLogger("station.sync.runner")


class SyncRunner:
    def __init__(self, session: Session, *, on_pulled: Callable[[], None] = lambda: None) -> None:
        self.session = session
        self.on_pulled = on_pulled  # unlocked, after a pull: e.g. take in visit requests
        self.online = False
        self.error: str | None = None
        self._client = None  # station.sync.client.SyncClient, made on first use
        self._stoppers: list[Callable[[], None]] = []

    @property
    def enrolled(self) -> bool:
        """Enrolled with a centre (``station enroll``); before that the station is offline."""
        s = self.session
        with s.lock:
            if not s.initialised:
                return False
            cfg = s.config()
            return bool(cfg.centre.url and cfg.extra.get("sync", {}).get("centre_sign_pub"))

    def _sync_client(self):
        from station.sync.factory import make_client  # loads httpx: only once enrolled

        with self.session.lock:
            if self._client is None:
                self._client = make_client(self.session.cases().queue)
            return self._client

    # ---- running ---------------------------------------------------------------------

    def sync_once(self) -> str | None:
        """One push-then-pull with the centre (works locked: sealed copies only). Returns the
        words for the status bar when something went wrong, else None. Slow: use a worker."""
        if not self.enrolled:
            return None
        state = self._sync_client().run_once()  # network: outside the session lock
        self.online = bool(state.online)
        self.error = state.last_error
        if state.pulled and not self.session.locked:
            # Home-visit requests the centre sent down become appointments now (unlocked
            # only: they are opened with the inbox key and stored encrypted).
            try:
                self.on_pulled()
            except StationError as err:
                log.warning("visit requests not taken in: %s", err.key)
        return state.last_error

    def start(self, interval_s: float = 60.0) -> Callable[[], None]:
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
                    error, self.online = err.message(), False
                    self.error = error
                if error is None:
                    delays = backoff_delays()
                stop.wait(interval_s if error is None else next(delays))

        thread = threading.Thread(target=loop, name="station-sync", daemon=True)
        thread.start()
        self._stoppers.append(stop.set)
        return stop.set

    def heartbeat(self) -> None:
        """Send the pulse alone; a failure is only logged (the sync loop says it in words)."""
        from station.sync.client import SyncFailed

        try:
            if not self.enrolled:
                return
            self._sync_client().heartbeat()
        except SyncFailed as err:
            log.info("heartbeat not sent: %s", err.code)
        except StationError as err:
            log.warning("heartbeat not sent: %s", err.key)

    def close(self) -> None:
        with self.session.lock:
            for stop in self._stoppers:
                stop()
            self._stoppers.clear()
            if self._client is not None:
                self._client.close()
                self._client = None

    # ---- what an unlock owes the centre --------------------------------------------------

    def bind_centre_key(self, store: CaseStore) -> None:
        """Enrolled while locked (`station enroll` without --staff): the queue gets the
        centre key at the next unlock and seals what was recorded before, so it can sync."""
        if not self.session.config().centre.public_key:
            return  # not enrolled: nothing to bind (and no need to load the sync stack)
        from station.sync.enrol import ensure_centre_key  # the sync stack: once enrolled

        try:
            sealed = ensure_centre_key(store.queue, self.session.config())
        except QueueError as err:  # e.g. bound to another centre's key: sync shows it
            log.warning("centre key not bound: %s", type(err).__name__)
            return
        if sealed:
            log.info("sealed %d earlier record versions for the centre", sealed)

    def after_unlock(self, store: CaseStore) -> None:
        """What only an unlocked station can do, done at once: note the key the inbox key
        is sealed to (and seal an inbox key still in the clear), and seal again from the
        local copies what the centre could not open. A failure is logged (a code, never
        personal data) and never blocks the unlock."""
        from station.sync import identity  # the sync stack: not before an unlock

        try:
            if identity.protect_inbox_key(store.queue):
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

    # ---- what came back ------------------------------------------------------------------

    def centre_status(self, case: Case) -> CentreStatus | None:
        """What the centre's back office last did with this case (pulled at the last
        sync): its status, and for a 退回 the worker's reason and the materials still
        needed, opened with the inbox key. None before the centre has moved it."""
        from station.sync import identity  # the sync stack: not at start-up
        from station.sync.inbox import Inbox

        s = self.session
        with s.lock:
            s.require_staff()
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
                    sealed = open_for_station(identity.open_inbox_key(s.cases().queue),
                                              s.config().station_id, row.uid, row.sealed)
                except (StationError, ValueError):
                    sealed = {"note": t("service.centre_note_unreadable")}
                note = str(sealed.get("note") or "")[:400]
                codes = sealed.get("needed") or ()
                names = {m.code: m.name for m in matters.matter(case.matter).materials}
                needed = tuple(names.get(c, str(c)[:40]) for c in codes
                               if isinstance(c, str))
            return CentreStatus(status=row.status, label=t(f"service.centre_{row.status}"),
                                at=row.at, note=note, needed=needed)
