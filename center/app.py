"""The centre's HTTP API (Starlette): enrol, push, pull, info, OpenAPI.

Why every handler funnels through `guard` (center/guard.py): a malformed request of any shape must
get a 4xx with a reason and never a 5xx; only a real server fault may be a 5xx.
CPU work (opening sealed records) and database calls run in worker threads (pushes,
with `--workers N`, in push processes: center/push_pool.py) so one large batch never
stalls the event loop for other stations.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import time
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from stationq.errors import QueueError
from stationq.sealing import MLKEM768_X25519, X25519, loads_json, open_bytes, record_info

from center import record_rules, repair
from center.db import Incoming, Replay, StationChanged, Store
from center.guard import guard
from center.keys import CentreKeys
from center.matter_codes import MatterCodes
from center.openapi import openapi_document
from center.push_pool import PushPool
from center.validate import (
    BadRequest,
    enrol_request,
    envelope,
    parse_framed,
    parse_json,
    pull_request,
    pulse,
    push_records,
    push_records_v2,
)
from shared.protocol import (
    MAX_BODY_BYTES,
    PREFIX,
    PUSH2_PATH,
    PUSH2_VERSION,
    SIGNATURE_HEADER,
    TIME_WINDOW_S,
    VERSION,
    dumps,
    gunzip_body,
    now_ms,
    sign,
    verify,
)

log = logging.getLogger("center")


def code_hash(code: str) -> str:
    """Enrolment codes are stored hashed: a database copy cannot enrol a laptop."""
    return hashlib.sha256(code.strip().upper().replace("-", "").encode()).hexdigest()


STATION_KEY_TTL_S = 30.0
STATION_KEY_CACHE = 10_000


@dataclass(frozen=True)
class StationKey:
    sign_pub: bytes
    key: Ed25519PublicKey
    status: str
    enrolled_at: int  # ms: record ids and times may not claim to be (much) older
    until: float  # time.monotonic() after which the row is read again


@dataclass(frozen=True)
class Refused:
    """One record refused for its clear fields: never stored; the station quarantines it."""

    code: str
    field: str


class Centre:
    """Holds the keys and the store; the handlers are its methods."""

    def __init__(self, store: Store, keys: CentreKeys, push_pool: PushPool | None = None
                 ) -> None:
        self.store = store
        self.keys = keys
        self.public = keys.public()
        self._private = {X25519: keys.x25519, MLKEM768_X25519: keys.hybrid}
        self._last_prune = 0.0
        # Pushes run one at a time, in arrival order: here in a thread, or with
        # `--workers N` in the first free of N push processes (center/push_pool.py).
        # Pushes are CPU-bound: several at once in one process only fight over the GIL
        # (measured: +20 % CPU per record with 2 at a time, +35 % with 20).
        self._push_limiter = anyio.CapacityLimiter(1)
        self.push_pool = push_pool
        # Pushes check signatures against a cached station key (a database round trip
        # saved per batch); the store spends the nonce only while that key is still the
        # active one, so a revocation or new key takes effect at once all the same.
        self._station_keys: dict[str, StationKey] = {}
        from center.integrations import RateLimiter

        self.export_limiter = RateLimiter()
        self.matters = MatterCodes(store)

    # --- helpers -----------------------------------------------------------------------
    def signed(self, path: str, doc: dict[str, Any], status: int = 200) -> Response:
        body = dumps(doc)
        return Response(body, status_code=status, media_type="application/json",
                        headers={SIGNATURE_HEADER: sign(self.keys.sign, "response", path, body)})

    async def read_raw(self, request: Request) -> tuple[bytes, str]:
        """The body as sent (at most MAX_BODY_BYTES) and its content encoding."""
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
            raise BadRequest("too_large", f"body must be at most {MAX_BODY_BYTES} bytes", 413)
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise BadRequest("too_large", f"body must be at most {MAX_BODY_BYTES} bytes", 413)
            chunks.append(chunk)
        return b"".join(chunks), request.headers.get("content-encoding", "identity")

    @staticmethod
    def inflate(raw: bytes, encoding: str) -> bytes:
        encoding = encoding.strip().lower()
        if encoding == "identity":
            return raw
        if encoding != "gzip":
            raise BadRequest("bad_encoding", "content-encoding must be gzip or identity", 415)
        try:
            return gunzip_body(raw)
        except OverflowError as err:
            raise BadRequest("too_large", f"inflated body must be at most {MAX_BODY_BYTES}"
                             " bytes", 413) from err
        except ValueError as err:
            raise BadRequest("bad_encoding", "the gzip body is damaged or truncated") from err

    async def read_body(self, request: Request) -> bytes:
        return self.inflate(*await self.read_raw(request))

    async def authenticate(self, request: Request, path: str
                           ) -> tuple[dict[str, Any], str, int, str]:
        """Parse, check the envelope, the station, the signature and the clock."""
        raw, encoding = await self.read_raw(request)
        doc, _blobs, station_id, ts, nonce, _key = await run_in_threadpool(
            self.check_signed, path, raw, encoding, request.headers.get(SIGNATURE_HEADER))
        return doc, station_id, ts, nonce

    def check_signed(self, path: str, raw: bytes, encoding: str, signature: str | None,
                     cached: bool = False, version: int = VERSION
                     ) -> tuple[dict[str, Any], bytes, str, int, str, bytes]:
        """`authenticate`'s work, in a worker thread: inflate, parse, station, signature,
        clock; returns (doc, blobs of a v2 push or b"", station_id, ts, nonce, station's
        signing key)."""
        body = self.inflate(raw, encoding)
        if version == PUSH2_VERSION:
            doc, blobs = parse_framed(body)
        else:
            doc, blobs = parse_json(body), b""
        station_id, ts, nonce = envelope(doc, version)
        station = self._station_key(station_id, cached)
        good = station is not None and verify(station.key, signature, "request", path, body)
        if not good and cached:  # new keys since it was cached?
            station = self._station_key(station_id, False)
            good = station is not None and verify(station.key, signature, "request", path,
                                                  body)
        if station is None:
            raise BadRequest("unknown_station", "this station is not enrolled", 401)
        if not good:
            raise BadRequest("bad_signature", "the request signature does not verify", 401)
        if station.status != "active":  # a stolen laptop: its key proves nothing now
            raise BadRequest("station_revoked", "this station has been revoked", 401)
        skew = (ts - now_ms()) / 1000
        if abs(skew) > TIME_WINDOW_S:
            raise BadRequest("clock_skew", f"request time is {skew:+.0f} s from the centre's"
                             f" clock (window ±{TIME_WINDOW_S} s)", 401,
                             skew_s=round(skew, 1), window_s=TIME_WINDOW_S)
        return doc, blobs, station_id, ts, nonce, station.sign_pub

    def _station_key(self, station_id: str, cached: bool) -> StationKey | None:
        now = time.monotonic()
        hit = self._station_keys.get(station_id) if cached else None
        if hit is not None and hit.until > now:
            return hit
        row = self.store.station(station_id)
        if row is None:
            self._station_keys.pop(station_id, None)
            return None
        if len(self._station_keys) >= STATION_KEY_CACHE:
            self._station_keys.clear()
        entry = StationKey(row[0], Ed25519PublicKey.from_public_bytes(row[0]), row[2],
                           row[4], now + STATION_KEY_TTL_S)
        self._station_keys[station_id] = entry
        return entry

    # --- endpoints ---------------------------------------------------------------------
    async def info(self, request: Request) -> Response:
        return self.signed(f"{PREFIX}/info", {"v": VERSION, "centre": self.public,
                                              "server_ts": now_ms()})

    async def enrol(self, request: Request) -> Response:
        path = f"{PREFIX}/enroll"
        doc = parse_json(await self.read_body(request))
        code, station_id, sign_pub, inbox_pub = enrol_request(doc)
        name = await run_in_threadpool(self.store.enrol, code_hash(code), station_id,
                                       sign_pub, inbox_pub, now_ms())
        if name is None:
            raise BadRequest("bad_code", "the enrolment code is unknown, used or expired", 403)
        log.info("station enrolled: %s", station_id)
        return self.signed(path, {"v": VERSION, "station_id": station_id, "name": name,
                                  "centre": self.public, "server_ts": now_ms()})

    async def push(self, request: Request) -> Response:
        return await self._push_route(request, f"{PREFIX}/push", VERSION)

    async def push_v2(self, request: Request) -> Response:
        """The binary push body (docs/sync-protocol.md, "Push, version 2")."""
        return await self._push_route(request, PUSH2_PATH, PUSH2_VERSION)

    async def _push_route(self, request: Request, path: str, version: int) -> Response:
        raw, encoding = await self.read_raw(request)
        signature = request.headers.get(SIGNATURE_HEADER)
        if self.push_pool is not None:
            body, answer_signature = await self.push_pool.push(path, raw, encoding, signature,
                                                               version)
        else:
            # One hop to a worker thread for the whole batch (each hop is a GIL hand-over).
            body, answer_signature = await anyio.to_thread.run_sync(
                self.handle_push, path, raw, encoding, signature, version,
                limiter=self._push_limiter)
        await self._maybe_prune()
        return Response(body, media_type="application/json",
                        headers={SIGNATURE_HEADER: answer_signature})

    def handle_push(self, path: str, raw: bytes, encoding: str, signature: str | None,
                    version: int) -> tuple[bytes, str]:
        """One push, whole: checks, opens, stores; the signed answer and its signature.
        Runs in a worker thread, or in a push process (center/push_pool.py)."""
        doc, blobs, station_id, ts, nonce, sign_pub = self.check_signed(
            path, raw, encoding, signature, cached=True, version=version)
        records = push_records(doc) if version == VERSION else push_records_v2(doc, blobs)
        opened = self._open_all(station_id, records, self._station_key(station_id, True))
        items = [i for i in opened if isinstance(i, Incoming)]
        try:
            try:
                statuses = iter(self.store.store_batch(station_id, nonce, ts, items, sign_pub))
            except StationChanged:
                # Revoked or re-keyed since cached: the fresh checks give the right refusal.
                *_, sign_pub = self.check_signed(path, raw, encoding, signature,
                                                 version=version)
                statuses = iter(self.store.store_batch(station_id, nonce, ts, items, sign_pub))
        except Replay as err:
            raise BadRequest("replayed_nonce", "this request was seen before", 409) from err
        except StationChanged as err:
            raise BadRequest("station_changed", "the station changed during this request;"
                             " send it again", 409) from err
        acks = []
        for rec, item in zip(records, opened, strict=True):
            ack = {"record_id": rec["record_id"], "version": rec["version"]}
            if isinstance(item, Incoming):
                ack["status"] = next(statuses)
            elif isinstance(item, Refused):
                ack.update(status="refused", code=422, error=item.code, field=item.field,
                           reason=record_rules.DETAIL[item.code])
            else:
                ack["status"], ack["reason"] = "rejected", item
            acks.append(ack)
        answer = dumps({"v": version, "nonce": nonce, "acks": acks, "server_ts": now_ms()})
        return answer, sign(self.keys.sign, "response", path, answer)

    def _bounds(self, station_id: str, station: StationKey | None) -> record_rules.Bounds:
        enrolled = station.enrolled_at if station is not None else now_ms()
        return record_rules.Bounds.make(station_id, enrolled, self.matters.codes)

    def _check_clear(self, rec: dict[str, Any], created: int | None,
                     bounds: record_rules.Bounds, id_range: tuple[str, str]
                     ) -> tuple[Refused | None, record_rules.Bounds]:
        """Signed is not trusted: the clear fields against the strict schema."""
        bad = record_rules.check(rec["record_id"], rec["kind"], rec["meta"], created, bounds,
                                 id_range)
        if bad is not None and bad[0] == "unknown_matter" and self.matters.reread():
            bounds = self._bounds(bounds.station_id, self._station_key(bounds.station_id,
                                                                       True))
            bad = record_rules.check(rec["record_id"], rec["kind"], rec["meta"], created,
                                     bounds)
        return (None if bad is None else Refused(*bad)), bounds

    def _open_all(self, station_id: str, records: list[dict[str, Any]],
                  station: StationKey | None = None) -> list[Incoming | Refused | str]:
        """Each record checked, opened and compared, in three passes over the batch: the
        clear-field checks, then the HPKE opens, then inflating, parsing and comparing
        the envelopes. Why passes: the same steps interleaved record by record cost
        about 20 µs a record more (105 against 82–85 µs, fastest of repeated 500-record
        batches, bench/push_cpu.py): each HPKE open in OpenSSL evicts the Python checks'
        code and data from the CPU's caches, so they ran cold for every record. The
        checks are the same, in the same order per record: one refused in pass 1 is
        never opened."""
        # Pass 1: the clear fields against the strict schema (nothing opened yet).
        bounds = self._bounds(station_id, station)
        id_range = bounds.id_range
        created_ms = record_rules.created_ms
        check = self._check_clear
        times: list[int | None] = []
        out: list[Incoming | Refused | str | bytes | None] = []
        for rec in records:
            created = created_ms(rec["created_at"])
            refused, bounds = check(rec, created, bounds, id_range)
            times.append(created)
            out.append(refused)  # None: to be opened
        # Pass 2: the HPKE opens of what passed (compressed envelopes, no bigger than the
        # body already in memory; each is inflated in pass 3, one at a time).
        private = self._private
        for n, rec in enumerate(records):
            if out[n] is not None:
                continue  # refused: not even opened, nothing of it is believed
            key = private.get(rec["suite"])
            if key is None:
                out[n] = "unknown_suite"
                continue
            try:
                out[n] = open_bytes(key, rec["suite"], rec["enc"], record_info(
                    station_id, rec["record_id"], rec["version"]))
            except (QueueError, ValueError):
                out[n] = "cannot_open"
        # Pass 3: inflate and parse each envelope; compare it with the clear copy.
        digest_key = self.keys.digest_key
        blake2b = hashlib.blake2b
        for n, (rec, sealed, created) in enumerate(zip(records, out, times, strict=True)):
            if type(sealed) is not bytes:
                continue
            try:
                # open_envelope's steps, keeping the inflated bytes: the content digest is
                # taken over them (a resend carries the very same envelope bytes).
                raw = zlib.decompress(sealed)
                env = _loads(raw)
            except (zlib.error, ValueError, RecursionError):
                out[n] = "cannot_open"
                continue
            if (not isinstance(env, dict) or env.get("id") != rec["record_id"]
                    or env.get("version") != rec["version"]):
                out[n] = "cannot_open"
                continue
            if (env.get("seq") != rec["seq"] or env.get("kind") != rec["kind"]
                    or env.get("meta") != rec["meta"]
                    or not _same_time(env.get("created_at"), created)):
                # The centre opens every record anyway: the clear copy must be the sealed one.
                out[n] = Refused("meta_mismatch", "meta")
                continue
            digest = blake2b(raw, key=digest_key, digest_size=32).digest()
            out[n] = Incoming(rec["record_id"], rec["version"], rec["seq"], rec["kind"],
                              rec["meta"], rec["created_at"], rec["suite"], rec["enc"],
                              digest, _token_hash(env))
        return out  # type: ignore[return-value]  # every None and bytes replaced above

    async def _maybe_prune(self) -> None:
        """Nonces older than twice the window can never be replayed: forget them."""
        now = time.monotonic()
        if now - self._last_prune > 60:
            self._last_prune = now
            await run_in_threadpool(self.store.prune_nonces,
                                    now_ms() - 2 * TIME_WINDOW_S * 1000)

    async def pull(self, request: Request) -> Response:
        path = f"{PREFIX}/pull"
        doc, station_id, ts, nonce = await self.authenticate(request, path)
        cursor, limit = pull_request(doc)
        beat = pulse(doc, now_ms(), TIME_WINDOW_S * 1000, required=False)
        try:
            await run_in_threadpool(self.store.use_nonce, station_id, nonce, ts)
        except Replay as err:
            raise BadRequest("replayed_nonce", "this request was seen before", 409) from err
        if beat is not None:
            await run_in_threadpool(self.store.record_pulse, station_id, now_ms(), *beat)
        items = await run_in_threadpool(self.store.updates, station_id, cursor, limit + 1)
        more = len(items) > limit
        items = items[:limit]
        new_cursor = items[-1]["id"] if items else cursor
        answer = {"v": VERSION, "nonce": nonce, "items": items, "cursor": new_cursor,
                  "more": more, "server_ts": now_ms()}
        if not more:  # the last page carries what the centre lacks (see center/repair.py)
            ask = await run_in_threadpool(repair.request_for, self.store, station_id,
                                          None if beat is None else beat[0])
            if ask is not None:
                answer["repair"] = ask
        return self.signed(path, answer)

    async def heartbeat(self, request: Request) -> Response:
        """A station's pulse with nothing else: sent at each sync run's start and at
        unlock, so a station with nothing to push (or that fails to push) is still seen."""
        path = f"{PREFIX}/pulse"
        doc, station_id, ts, nonce = await self.authenticate(request, path)
        beat = pulse(doc, now_ms(), TIME_WINDOW_S * 1000)
        lost = repair.past_retention(doc, beat[0])
        try:
            await run_in_threadpool(self.store.use_nonce, station_id, nonce, ts)
        except Replay as err:
            raise BadRequest("replayed_nonce", "this request was seen before", 409) from err
        await run_in_threadpool(self.store.record_pulse, station_id, now_ms(), *beat)
        if lost:
            await run_in_threadpool(self.store.record_past_retention, station_id, lost,
                                    now_ms())
        return self.signed(path, {"v": VERSION, "nonce": nonce, "server_ts": now_ms()})

    async def export(self, request: Request) -> Response:
        """`GET /v1/export`: decrypted cases for an integration (center/integrations.py)."""
        from center.integrations import (
            DEFAULT_LIMIT,
            MAX_LIMIT,
            BadCursor,
            authorised,
            export_page,
        )

        found = await run_in_threadpool(authorised, self.store,
                                        request.headers.get("authorization"))
        if found is None:
            return JSONResponse({"error": "unauthorised", "detail": "a valid integration key"
                                 " is required (Authorization: Bearer <key>)"},
                                status_code=401, headers={"WWW-Authenticate": "Bearer"})
        name, per_minute = found
        wait = self.export_limiter.allow(name, per_minute)
        if wait:
            return JSONResponse({"error": "rate_limited", "detail": f"at most {per_minute}"
                                 " requests a minute"}, status_code=429,
                                headers={"Retry-After": str(max(1, int(wait + 0.999)))})
        limit_text = request.query_params.get("limit", str(DEFAULT_LIMIT))
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_LIMIT:
            raise BadRequest("bad_field", f"limit must be an integer in [1, {MAX_LIMIT}]",
                             field="limit")
        try:
            page = await run_in_threadpool(export_page, self.store, self.keys, name,
                                           request.query_params.get("cursor", ""),
                                           int(limit_text))
        except BadCursor as err:
            raise BadRequest("bad_field", "cursor must be one this endpoint returned",
                             field="cursor") from err
        return JSONResponse(page, headers={"Cache-Control": "no-store"})

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(openapi_document())

    async def health(self, request: Request) -> Response:
        return JSONResponse({"ok": True, "v": VERSION})


TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{22,64}$")  # secrets.token_urlsafe, ≥ 128 bits


def _token_hash(env: dict[str, Any]) -> str:
    """SHA-256 of a case's progress token (station/cases/model.py), "" when it has none or
    one of the wrong shape; the token itself is not kept."""
    if env.get("kind") != "case":
        return ""
    payload = env.get("payload")
    token = payload.get("progress") if isinstance(payload, dict) else None
    if not isinstance(token, str) or not TOKEN_RE.match(token):
        return ""
    return hashlib.sha256(token.encode()).hexdigest()



def _same_time(sealed: Any, clear_ms: int | None) -> bool:
    """The envelope's creation time (epoch seconds) is the clear field's (in ms, as
    `record_rules.created_ms` reads the ISO text)."""
    if type(sealed) is not float and type(sealed) is not int:
        return False
    return clear_ms is not None and abs(sealed * 1000 - clear_ms) < 2


def _loads(raw: bytes) -> Any:
    """`json.loads` of UTF-8 bytes only (json.loads would also guess UTF-16/32), through
    the queue library's C-scanner parse (stationq.sealing.loads_json)."""
    return loads_json(raw.decode())  # UnicodeDecodeError is a ValueError


def push_process_centre(home: str, db_url: str | None, passphrase: str) -> Centre:
    """A push process's own `Centre`: its keys and database connection (center/push_pool.py)."""
    from pathlib import Path

    from center import keys
    from center.db import open_store

    return Centre(open_store(db_url, Path(home)), keys.load(Path(home), passphrase))


async def _to_reports(request: Request) -> Response:
    return RedirectResponse("/reports", status_code=302)


def create_app(store: Store, keys: CentreKeys, threads: int = 40,
               push_pool: PushPool | None = None) -> Starlette:
    """`push_pool`: push processes for `--workers N` (started and stopped with the app);
    without one, pushes run in a thread of this process."""
    centre = Centre(store, keys, push_pool)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        if push_pool is not None:
            await push_pool.start()
        try:
            yield
        finally:
            if push_pool is not None:
                push_pool.close()

    routes = [
        Route(f"{PREFIX}/info", guard(centre.info), methods=["GET"]),
        Route(f"{PREFIX}/enroll", guard(centre.enrol), methods=["POST"]),
        Route(f"{PREFIX}/push", guard(centre.push), methods=["POST"]),
        Route(PUSH2_PATH, guard(centre.push_v2), methods=["POST"]),
        Route(f"{PREFIX}/pull", guard(centre.pull), methods=["POST"]),
        Route(f"{PREFIX}/pulse", guard(centre.heartbeat), methods=["POST"]),
        Route(f"{PREFIX}/export", guard(centre.export), methods=["GET"]),
        Route("/openapi.json", centre.openapi, methods=["GET"]),
        Route("/healthz", centre.health, methods=["GET"]),
        # A browser pointed at the centre lands on the supervisors' pages.
        Route("/", _to_reports, methods=["GET"]),
    ]
    from center.reports.routes import report_routes  # supervisors' pages, stations' day check

    routes += report_routes(centre)
    from center.backoffice.routes import routes as office_routes  # case workers, /q/<token>

    routes += office_routes(store, keys)
    # Answers are signed before compression; the station verifies the inflated bytes.
    # Level 1: a push's acks (≈ 83 bytes a record) deflate 5 % larger than at the default
    # level 9 for 40 % of the CPU.
    from center.headers import SecurityHeaders  # CSP, no framing, on every answer

    app = Starlette(routes=routes, lifespan=lifespan,
                    middleware=[Middleware(SecurityHeaders),
                                Middleware(GZipMiddleware, minimum_size=512, compresslevel=1)])
    app.state.centre = centre
    return app
