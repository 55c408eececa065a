"""The station side of sync: push sealed records, pull the centre's updates.

Why it is safe to cut anywhere: a record is acknowledged locally only after the
centre's *signed* ack for it arrived (bound to this request's nonce); anything
else — a refused connection, a body cut half-way up, an answer cut half-way
down, a centre that died mid-batch — leaves the record unacknowledged, and the
centre stores by (record id, version) idempotently, so resending is harmless.
Pull moves its cursor in the same local transaction that applies the items.

The TUI runs `SyncClient.run_once` in a worker thread and reads `state` (an
immutable snapshot) for the status bar; `station sync` runs the same code.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import random
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from shared.i18n import t
from shared.protocol import (
    MAX_BATCH,
    MAX_PULL,
    PREFIX,
    PUSH2_CONTENT_TYPE,
    PUSH2_PATH,
    PUSH2_VERSION,
    SIGNATURE_HEADER,
    VERSION,
    b64e,
    bounded_ranges,
    check_ranges,
    dumps,
    frame_push,
    gzip_body,
    new_nonce,
    now_ms,
    sign,
    to_ranges,
    verify,
)
from station.sync.identity import Pinned, StationKeys
from station.sync.inbox import Inbox

log = logging.getLogger("station.sync")

Key = tuple[str, int]


class QueueLike(Protocol):
    """The part of `stationq.Queue` sync uses (docs/CONTRACTS.md, "Queue")."""

    def pending(self, limit: int = ..., after_seq: int = ...) -> list[Any]: ...
    def mark_sent(self, keys: list[Key]) -> Any: ...
    def acknowledge(self, acks: list[Key]) -> Any: ...
    def mark_conflict(self, keys: list[Key], error: str) -> Any: ...
    def record_failure(self, keys: list[Key], error: str) -> Any: ...
    def mark_unopenable(self, keys: list[Key]) -> Any: ...
    def reseal(self, keys: list[Key]) -> int: ...
    def resend(self, seqs: list[int]) -> Any: ...
    def stats(self) -> Any: ...
    def pulse(self) -> tuple[int, int, float | None]: ...
    @property
    def unlocked(self) -> bool: ...


@dataclass(frozen=True)
class SyncState:
    """What the status bar shows; `last_error` is already words for a person."""

    online: bool | None = None  # None: not tried yet
    pending: int = 0
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_code: str | None = None
    pushed: int = 0  # records acknowledged in the last run
    pulled: int = 0  # updates applied in the last run
    conflicts: int = 0
    rejected: int = 0
    refused: int = 0  # refused by the centre for their clear fields: quarantined here
    batch_size: int = 0
    repaired: int = 0  # versions the centre asked for again and got in this run
    past_retention: int = 0  # asked for but no copy left here (reported to the centre)


def status_words(state: SyncState) -> str:
    """The status bar's sentence: online/offline, pending, last success, last problem."""
    if state.online is None:
        online = t("sync.never")
    else:
        online = t("sync.online") if state.online else t("sync.offline")
    last = (state.last_success.astimezone().strftime("%H:%M") if state.last_success
            else t("sync.never"))
    words = t("sync.status_line", online=online, pending=state.pending, last=last)
    if state.last_error:
        words += "｜" + t("sync.last_error", error=state.last_error)
    return words


class SyncFailed(Exception):
    """One run stopped; `code` picks the sentence, `params` fill it."""

    def __init__(self, code: str, /, offline: bool = False, **params: Any) -> None:
        # `code` positional-only: a refusal's own code travels in params["code"].
        super().__init__(code)
        self.code, self.offline, self.params = code, offline, params

    def words(self) -> str:
        key = f"sync.err_{self.code}"
        try:
            return t(key, **self.params)
        except KeyError:
            return t("sync.err_refused", code=self.code)


PULSE_PATH = f"{PREFIX}/pulse"
CANNOT_OPEN = "cannot_open"  # a per-record refusal: the centre could not open the sealed copy
KNOWN_REFUSALS = {"bad_signature", "unknown_station", "station_revoked", "clock_skew",
                  "replayed_nonce", "too_large"}


class _NotServed(Exception):
    """The centre answered 404 to a v2 push or a heartbeat: it predates them."""


class SyncClient:
    def __init__(self, queue: QueueLike, keys: StationKeys, pinned: Pinned,
                 inbox: Inbox, *, batch_size: int = 200, min_batch: int = 10,
                 max_batch: int = MAX_BATCH, target_batch_s: float = 1.0,
                 timeout_s: float = 30.0, clock: Callable[[], int] = now_ms,
                 transport: httpx.BaseTransport | None = None, pipeline: int = 2,
                 push_version: int = PUSH2_VERSION) -> None:
        self.queue, self.keys, self.pinned, self.inbox = queue, keys, pinned, inbox
        # 2: binary bodies (docs/sync-protocol.md); drops to 1 for a centre without them.
        self.push_version = push_version
        self.batch_size, self.min_batch, self.max_batch = batch_size, min_batch, max_batch
        self.target_batch_s = target_batch_s
        self._quick_in_a_row = 0
        self.pipeline = max(1, pipeline)
        self.clock = clock
        self._state = SyncState(batch_size=batch_size)
        self._lock = threading.Lock()
        self._http = httpx.Client(base_url=pinned.url.rstrip("/"), timeout=timeout_s,
                                  verify=_tls_context(pinned), transport=transport)
        self.batch_times: list[float] = []  # seconds per push batch (benchmarks read it)
        self._refusals: list[str] = []  # this run's per-record refusals (reason codes)
        self._pulse_served = True  # False once an older centre answered 404 to it
        self._resent: list[int] = []  # this run's repair: seqs back in pending()
        self._lost: set[int] = set()  # asked for, past retention: reported in a pulse

    # --- state -------------------------------------------------------------------------
    @property
    def state(self) -> SyncState:
        return self._state

    def _set(self, **changes: Any) -> None:
        with self._lock:
            self._state = dataclasses.replace(self._state, **changes)

    def pending_count(self) -> int:
        try:
            counts = self.queue.stats().counts
        except Exception:  # the status bar must never break on this
            return self._state.pending
        return int(counts.get("pending", 0)) + int(counts.get("sent", 0))

    def close(self) -> None:
        self._http.close()
        self.inbox.close()

    # --- one run -----------------------------------------------------------------------
    def run_once(self) -> SyncState:
        """Push everything pending, then pull every update; never raises for sync faults."""
        pushed = pulled = conflicts = rejected = 0
        with self._lock:
            self._refusals = []
        try:
            if self.pending_count() == 0:
                self._beat()  # nothing to push: the pulse alone says we are alive
            pushed, conflicts, rejected = self.push_all()
            self._resent, self._lost = [], set()
            pulled = self.pull_all()
            if self._resent:  # the centre asked again: send them in this same run
                more, conflicted, refused = self.push_all()
                pushed, conflicts, rejected = (pushed + more, conflicts + conflicted,
                                               rejected + refused)
            if self._lost:
                self.report_past_retention(sorted(self._lost))
        except SyncFailed as err:
            log.info("sync stopped: %s", err.code)
            if not err.offline and err.code != "network":
                self._beat()  # the centre answers: it still learns what this laptop holds
            self._set(online=not err.offline, last_error=err.words(),
                      last_error_code=err.code, pending=self.pending_count(),
                      pushed=pushed, pulled=pulled, batch_size=self.batch_size)
            return self._state
        # Records the centre could not open stay here: that needs a person, so say so.
        error = t("sync.run_rejected", n=rejected) if rejected else None
        code = "rejected" if rejected else None
        with self._lock:
            refusals = list(self._refusals)
        if refusals:  # quarantined: a person must look, and the reason says at what
            error = t("sync.run_refused", n=len(refusals), reason=refusal_words(refusals[0]))
            code = "refused"
        self._set(online=True, last_success=datetime.now(UTC), last_error=error,
                  last_error_code=code, pending=self.pending_count(), pushed=pushed,
                  pulled=pulled, conflicts=conflicts, rejected=rejected,
                  refused=len(refusals), batch_size=self.batch_size,
                  repaired=len(self._resent), past_retention=len(self._lost))
        return self._state

    def pulse(self) -> dict[str, Any]:
        """Head seq, pending count and newest record time: the centre learns what exists
        here before it is pushed, so a station that stops syncing shows what it holds."""
        head, pending, newest = self.queue.pulse()
        return {"head_seq": head, "pending": pending,
                "newest_at": None if newest is None else int(newest * 1000)}

    def _beat(self) -> None:
        """A heartbeat that never stops a run: the push says what is wrong, and the pull
        carries the pulse as well."""
        try:
            self.heartbeat()
        except SyncFailed as err:
            log.info("heartbeat not sent: %s", err.code)

    def heartbeat(self) -> None:
        """Say we are alive and what we hold, even with nothing to push (a sync run with
        nothing pending, a run the centre refused, and at unlock); the pushes and pulls of
        an ordinary run carry the same pulse. Raises SyncFailed like any request."""
        if not self._pulse_served:
            return
        doc = {"v": VERSION, "station_id": self.pinned.station_id, "ts": self.clock(),
               "nonce": new_nonce(), "pulse": self.pulse()}
        try:
            self.post(PULSE_PATH, doc)
        except _NotServed:  # a centre from before the pulse: the pull still carries it
            self._pulse_served = False

    def push_all(self) -> tuple[int, int, int]:
        """Push in seq order, `pipeline` batches in flight so the station prepares the next
        batch while the centre opens the last one. A record refused in this run is not
        resent until the next run. The first failure stops the run (after the batches
        already in flight have settled, each keeping its own outcome)."""
        done = conflicts = rejected = 0
        after = 0
        if self.pipeline == 1:  # one batch at a time: no thread to hand each batch to
            while batch := self.queue.pending(self.batch_size, after_seq=after):
                after = max(r.seq for r in batch)
                acked, conflicted, refused = self.push_batch(batch)
                done += acked
                conflicts += conflicted
                rejected += refused
            return done, conflicts, rejected
        inflight: deque[Future[tuple[int, int, int]]] = deque()
        failure: SyncFailed | None = None
        with ThreadPoolExecutor(self.pipeline, thread_name_prefix="sync-push") as pool:
            while True:
                while failure is None and len(inflight) < self.pipeline:
                    batch = self.queue.pending(self.batch_size, after_seq=after)
                    if not batch:
                        break
                    after = max(r.seq for r in batch)
                    inflight.append(pool.submit(self.push_batch, batch))
                if not inflight:
                    break
                try:
                    acked, conflicted, refused = inflight.popleft().result()
                except SyncFailed as err:
                    failure = failure or err
                    continue
                done += acked
                conflicts += conflicted
                rejected += refused
        if failure is not None:
            raise failure
        return done, conflicts, rejected

    def push_batch(self, batch: list[Any]) -> tuple[int, int, int]:
        """One signed batch; returns (acknowledged, conflicts, refused)."""
        keys = [(r.record_id, r.version) for r in batch]
        self.queue.mark_sent(keys)
        started = time.perf_counter()
        try:
            answer = self._send_push(batch)
        except SyncFailed as err:
            self.queue.record_failure(keys, err.code)
            if err.offline or err.code in ("network", "too_large"):
                self.batch_size = max(self.min_batch, self.batch_size // 2)
            raise
        elapsed = time.perf_counter() - started
        self.batch_times.append(elapsed)
        self._adapt(elapsed)
        acks = answer.get("acks")
        if not isinstance(acks, list):
            self.queue.record_failure(keys, "bad_answer")
            raise SyncFailed("bad_answer")
        found = {(a.get("record_id"), a.get("version")): a for a in acks
                 if isinstance(a, dict)}
        # Each key by its ack's status, in one pass (a batch has up to 2,000 keys).
        stored: list[Key] = []
        conflicted: list[Key] = []
        quarantined: list[Key] = []
        unopenable: list[Key] = []
        refused: list[Key] = []
        for k in keys:
            ack = found.get(k)
            status = None if ack is None else ack.get("status")
            if status == "stored":
                stored.append(k)
            elif status == "conflict":
                conflicted.append(k)
            elif status == "refused":
                quarantined.append(k)
            elif status == "rejected" and ack.get("reason") == CANNOT_OPEN:
                unopenable.append(k)
            else:
                refused.append(k)
        # The centre could not open these sealed copies (centre/app.py `_open_all`:
        # "cannot_open"): the intact local copy can be sealed again, now if unlocked,
        # else at the next unlock (Service._after_unlock); the next run sends them.
        if unopenable:
            self.queue.mark_unopenable(unopenable)
            if self.queue.unlocked:
                self.queue.reseal(unopenable)
        if stored:
            self.queue.acknowledge(stored)
        if conflicted:
            # The centre keeps our copy aside for a person; it must not be resent as is.
            self.queue.mark_conflict(conflicted, "conflict at centre")
        for key in quarantined:
            # Refused for its clear fields: resending would only be refused again. Kept
            # aside as a conflict with the centre's reason (codes only, nothing personal).
            reason = refusal_code(found[key])
            self.queue.mark_conflict([key], f"refused by centre: {reason}")
            with self._lock:
                self._refusals.append(reason)
        if refused:
            self.queue.record_failure(refused, "rejected by centre")
        return len(stored), len(conflicted), len(refused) + len(unopenable)

    def _send_push(self, batch: list[Any]) -> dict[str, Any]:
        """One push request, v2 unless the centre has shown it only speaks v1."""
        if self.push_version == PUSH2_VERSION:
            header = {"v": PUSH2_VERSION, "station_id": self.pinned.station_id,
                      "ts": self.clock(), "nonce": new_nonce(), "records": [
                          [r.record_id, r.version, r.seq, r.kind, r.meta, _created(r),
                           r.suite, len(r.enc)] for r in batch]}
            try:
                # Sealed blobs do not compress: the body goes as it is.
                return self._send(PUSH2_PATH, frame_push(header, [r.enc for r in batch]),
                                  header["nonce"], PUSH2_CONTENT_TYPE, compress=False)
            except _NotServed:
                log.info("the centre does not serve push v2; pushing v1 from now on")
                self.push_version = VERSION
        doc = {"v": VERSION, "station_id": self.pinned.station_id, "ts": self.clock(),
               "nonce": new_nonce(), "records": [_wire(r) for r in batch]}
        return self.post(f"{PREFIX}/push", doc)

    def _adapt(self, elapsed: float) -> None:
        """Grow while batches are quick, shrink when slow: fits the link we are on.

        Growing only after two quick batches in a row: at a busy centre batches wait in
        one line, and a batch can be quick only because it happened to be first (every
        station's first batch at the start of a fleet). Doubling on that one batch sent
        more records into the line than it could clear in time (50 stations, three runs
        each way: batch p99 0.86–1.06 s against 1.12–1.24 s).

        Shrinking already at 1.5 × the target, not 2 ×: on a busy centre a batch's time is
        mostly waiting behind other stations' batches, so halving before batches reach
        2 s keeps a fleet's p99 lower (50 stations, two five-run sets each: the median
        run's p99 1.46 s against 1.60 s when halving only over 2 s)."""
        if elapsed < self.target_batch_s / 2:
            self._quick_in_a_row += 1
            if self._quick_in_a_row >= 2:
                self._quick_in_a_row = 0
                self.batch_size = min(self.max_batch, self.batch_size * 2)
            return
        self._quick_in_a_row = 0
        if elapsed > self.target_batch_s * 1.5:
            self.batch_size = max(self.min_batch, self.batch_size // 2)

    def pull_all(self) -> int:
        applied = 0
        while True:
            cursor = self.inbox.cursor()
            doc = {"v": VERSION, "station_id": self.pinned.station_id, "ts": self.clock(),
                   "nonce": new_nonce(), "cursor": cursor, "limit": MAX_PULL,
                   "pulse": self.pulse()}
            answer = self.post(f"{PREFIX}/pull", doc)
            items = answer.get("items")
            new_cursor = answer.get("cursor")
            if not isinstance(items, list) or type(new_cursor) is not int:
                raise SyncFailed("bad_answer")
            try:
                applied += self.inbox.apply(items, new_cursor)
            except (KeyError, TypeError, ValueError) as err:
                raise SyncFailed("bad_answer") from err
            if not answer.get("more"):
                self.repair(answer.get("repair"))
                return applied

    def repair(self, ask: Any) -> None:
        """Answer the centre's repair request (docs/sync-protocol.md, "Repair"): the
        versions it lacks go back to pending (sealed again from the local copy; at the
        next unlock if locked), those with no copy left are reported past retention.
        The answer is signed, but a request that is malformed, names another station or
        goes past this queue's head is refused whole (logged; the sync goes on)."""
        if ask is None:
            return
        head = self.queue.pulse()[0]
        try:
            if (not isinstance(ask, dict) or set(ask) != {"station_id", "ranges"}
                    or ask["station_id"] != self.pinned.station_id):
                raise ValueError("not a repair request for this station")
            ranges = check_ranges(ask["ranges"], head)
        except ValueError as err:
            log.warning("repair request refused: %s", err)
            return
        result = self.queue.resend([s for lo, hi in ranges for s in range(lo, hi + 1)])
        self._resent = list(result.resent)
        self._lost = set(result.past_retention)
        log.info("repair: %d resent, %d waiting for unlock, %d past retention",
                 len(result.resent), len(result.waiting), len(result.past_retention))

    def report_past_retention(self, seqs: list[int]) -> None:
        """Tell the centre which versions it asked for have no copy left here, in a
        pulse (bounded like a repair request; the rest goes with the next one)."""
        if not self._pulse_served:
            return
        doc = {"v": VERSION, "station_id": self.pinned.station_id, "ts": self.clock(),
               "nonce": new_nonce(), "pulse": self.pulse(),
               "past_retention": [list(r) for r in bounded_ranges(to_ranges(seqs))]}
        try:
            self.post(PULSE_PATH, doc)
        except _NotServed:
            self._pulse_served = False

    # --- transport ---------------------------------------------------------------------
    def post(self, path: str, doc: dict[str, Any]) -> dict[str, Any]:
        """Send a JSON request (v1 push, pull, reconcile); the signed answer."""
        return self._send(path, dumps(doc), doc["nonce"])

    def _send(self, path: str, body: bytes, nonce: str,
              content_type: str = "application/json", compress: bool = True
              ) -> dict[str, Any]:
        """Sign and send one request; the signed answer, checked to echo `nonce`."""
        headers = {SIGNATURE_HEADER: sign(self.keys.sign, "request", path, body),
                   "content-type": content_type}
        if compress:
            headers["content-encoding"] = "gzip"
            body = gzip_body(body)
        try:
            resp = self._http.post(path, content=body, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout) as err:
            if _cert_refused(err):
                raise SyncFailed("tls_pin") from err
            raise SyncFailed("offline", offline=True) from err
        except httpx.HTTPError as err:
            raise SyncFailed("network") from err
        self._check_tls(resp)
        if resp.status_code == 404 and path in (PUSH2_PATH, PULSE_PATH):
            raise _NotServed
        if resp.status_code != 200:
            raise _refusal(resp)
        if not verify(self.pinned.sign_key, resp.headers.get(SIGNATURE_HEADER), "response",
                      path, resp.content):
            raise SyncFailed("centre_signature")
        try:
            answer = resp.json()
        except ValueError as err:
            raise SyncFailed("bad_answer") from err
        if not isinstance(answer, dict) or answer.get("nonce") != nonce:
            raise SyncFailed("centre_signature")  # a signed answer to another request
        return answer

    def _check_tls(self, resp: httpx.Response) -> None:
        if not self.pinned.tls_fingerprint:
            return
        stream = resp.extensions.get("network_stream")
        ssl_obj = stream.get_extra_info("ssl_object") if stream is not None else None
        der = ssl_obj.getpeercert(True) if ssl_obj is not None else None
        if der is None or hashlib.sha256(der).hexdigest() != self.pinned.tls_fingerprint:
            raise SyncFailed("tls_pin")


def _cert_refused(err: BaseException) -> bool:
    """True when the handshake failed because the certificate is not the pinned one."""
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def refusal_code(ack: dict[str, Any]) -> str:
    """`code field` from a refusal ack, both held to short plain words (the ack is signed
    by the centre, but its words still end up in the queue and on the screen)."""
    parts = [str(ack.get(k, ""))[:40] for k in ("error", "field")]
    return " ".join("".join(c for c in p if c.isascii() and (c.isalnum() or c in "_.[]"))
                    for p in parts).strip() or "refused"


def refusal_words(reason: str) -> str:
    """The sentence for a refusal code (`sync.refused_<code>`), naming the field."""
    code, _, field = reason.partition(" ")
    try:
        return t(f"sync.refused_{code}", field=field or "-")
    except KeyError:
        return t("sync.refused_other", code=code, field=field or "-")


def _wire(rec: Any) -> dict[str, Any]:
    """One record of a v1 push body."""
    return {"record_id": rec.record_id, "version": rec.version, "seq": rec.seq,
            "kind": rec.kind, "meta": rec.meta, "created_at": _created(rec),
            "suite": rec.suite, "enc": b64e(rec.enc)}


def _created(rec: Any) -> str:
    created = rec.created_at
    return created.isoformat() if hasattr(created, "isoformat") else str(created)


def _refusal(resp: httpx.Response) -> SyncFailed:
    if resp.status_code >= 500:
        return SyncFailed("server", status=resp.status_code)
    try:
        doc = resp.json()
        code = str(doc.get("error", "refused"))
    except (ValueError, AttributeError):
        doc, code = {}, "refused"
    if code == "clock_skew":
        return SyncFailed(code, skew=doc.get("skew_s"))
    if code in KNOWN_REFUSALS:
        return SyncFailed(code)
    return SyncFailed("refused", code=code)


def _tls_context(pinned: Pinned) -> ssl.SSLContext | bool:
    """Trust exactly the certificate pinned at enrolment (self-signed or not)."""
    if urlsplit(pinned.url).scheme != "https":
        return True
    ctx = ssl.create_default_context(cadata=pinned.tls_cert_pem or None)
    ctx.check_hostname = False  # the pin, not the name, identifies the centre
    ctx.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    return ctx


def backoff_delays(base_s: float = 2.0, cap_s: float = 300.0,
                   rng: random.Random | None = None):
    """Exponential back-off with full jitter: a fleet coming back online does not stampede."""
    rng = rng or random.Random()
    attempt = 0
    while True:
        yield rng.uniform(0, min(cap_s, base_s * 2 ** attempt))
        attempt += 1


def run_forever(client: SyncClient, stop: threading.Event, interval_s: float = 60.0,
                on_state: Callable[[SyncState], None] | None = None) -> None:
    """The worker loop: sync, wait, repeat; back off with jitter while failing."""
    delays = backoff_delays()
    while not stop.is_set():
        state = client.run_once()
        if on_state is not None:
            on_state(state)
        if state.last_error is None:
            delays = backoff_delays()
            wait = interval_s
        else:
            wait = next(delays)
        stop.wait(wait)
