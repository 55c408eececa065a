"""A stored case opened with the centre key: typed, checked, held in memory only.

Why one module: the case page, the printed case file and the export must show the very
same reading of a sealed record, and none of them may keep the clear text anywhere but
in memory. A sealed copy that does not open, or opens to something that is not a case
the catalogue can read, becomes an `Unreadable` entry naming its record id, so one bad
row never breaks a list, a page or an export.

The payload read here is the station's (station/cases/codec.py `payload`); the envelope
around it is stationq's (queue/stationq/sealing.py `make_envelope`).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from stationq.errors import QueueError
from stationq.sealing import MLKEM768_X25519, X25519, open_bytes, record_info

from center.keys import CentreKeys

CASE_KIND = "case"
PURGED = "purged"  # the reason of an entry whose sealed copy retention dropped
_MAX_TEXT = 2000


@dataclass(frozen=True)
class Person:
    """A resident or an agent; `repr` hides everything personal."""

    name: str = field(repr=False)
    id_number: str = field(repr=False)
    id_kind: str = ""
    birth_date: date | None = field(default=None, repr=False)
    sex: str = ""


@dataclass(frozen=True)
class Resident(Person):
    phone: str = field(default="", repr=False)  # the form's common field "phone"
    address: str = field(default="", repr=False)  # the form's common field "address"
    source: str = "typed"  # card | training | typed


@dataclass(frozen=True)
class Agent(Person):
    relation: str = ""


@dataclass(frozen=True)
class Answer:
    """One form answer: the catalogue's field code, label and type, the text as recorded
    and its typed value (date, Decimal, int, bool, str); `value` is None and `problem`
    says why when the text does not parse under the catalogue's rule."""

    code: str
    label: str
    type: str
    text: str = field(repr=False)
    value: Any = field(default=None, repr=False)
    problem: str = ""


@dataclass(frozen=True)
class MaterialItem:
    code: str
    name: str
    form: str  # 原件 / 复印件 / 原件及复印件 ("" when the catalogue no longer lists it)
    count: int


@dataclass(frozen=True)
class Version:
    """One recorded version: the queue's reason code (amend / withdraw / rating, none
    for the first) and the staff's words (`reason`, sealed: they may name the resident)."""

    version: int
    seq: int
    status: str
    updated_at: datetime
    reason_code: str
    reason: str = field(repr=False)
    received_at: int  # ms since the epoch, at the centre


@dataclass(frozen=True)
class CaseFile:
    record_id: str
    case_no: str
    station_id: str
    station_name: str
    matter: str
    matter_name: str
    line: str
    site: str
    staff: str
    outing_date: date
    created_at: datetime
    updated_at: datetime
    due_date: date | None
    station_status: str  # accepted / materials_pending / withdrawn (latest version)
    centre_status: str  # accepted / reviewing / done / returned (the back office)
    resident: Resident = field(repr=False)
    agent: Agent | None = field(repr=False)
    answers: tuple[Answer, ...] = field(repr=False)
    received: tuple[MaterialItem, ...]
    missing: tuple[MaterialItem, ...]
    delivery: str
    rating: int | None
    visit: str
    versions: tuple[Version, ...] = field(repr=False)

    @property
    def version(self) -> int:
        return self.versions[-1].version


@dataclass(frozen=True)
class Unreadable:
    """A case that cannot be shown: its id, and a stable reason code (never the text)."""

    record_id: str
    version: int
    reason: str  # cannot_open | bad_envelope | bad_payload | unknown_suite | purged
    case_no: str = ""
    matter: str = ""


@dataclass(frozen=True)
class StoredVersion:
    """One `records` row as the store holds it (clear metadata and the sealed blob)."""

    record_id: str
    version: int
    station_id: str
    seq: int
    kind: str
    meta: dict[str, Any]
    suite: str
    enc: bytes
    received_at: int


class BadCase(ValueError):
    """The sealed record opened but is not a case this centre can read (code is stable)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --------------------------------------------------------------------------- catalogue
_PUBLISHED: dict[str, Any] = {}  # catalogue sha256 → parsed catalogue (a page opens fast)


def centre_catalogue(store: Any):
    """The catalogue the centre last published (what stations record against), else the
    packaged one. A published text that no longer validates falls back, never raises."""
    from station.catalogue.loader import load_catalogue, loads_catalogue

    with store.tx() as cur:
        cur.execute("SELECT sha256 FROM catalogue_versions ORDER BY published_at DESC")
        row = cur.fetchone()
    if row is None:
        return load_catalogue()
    if row[0] in _PUBLISHED:
        return _PUBLISHED[row[0]]
    with store.tx() as cur:
        cur.execute("SELECT body FROM updates WHERE kind = 'catalogue' ORDER BY id DESC")
        rows = cur.fetchmany(5)
    for (body,) in rows:
        try:
            doc = json.loads(body)
            cat = loads_catalogue(doc["content"], source="centre")
        except Exception:  # an older bad publication: try the one before
            continue
        if doc.get("sha256") == row[0]:
            _PUBLISHED[row[0]] = cat
        return cat
    return load_catalogue()


# --------------------------------------------------------------------------- opening
class CaseOpener:
    """Opens stored case versions with the centre key against one catalogue."""

    def __init__(self, keys: CentreKeys, catalogue: Any, station_names: dict[str, str]
                 | None = None) -> None:
        self._private = {X25519: keys.x25519, MLKEM768_X25519: keys.hybrid}
        self.catalogue = catalogue
        self.station_names = station_names or {}

    def envelope(self, row: StoredVersion) -> dict[str, Any]:
        if not row.enc:
            raise BadCase(PURGED)
        key = self._private.get(row.suite)
        if key is None:
            raise BadCase("unknown_suite")
        try:
            raw = open_bytes(key, row.suite, row.enc,
                             record_info(row.station_id, row.record_id, row.version))
            env = json.loads(zlib.decompress(raw))
        except (QueueError, zlib.error, ValueError, RecursionError) as err:
            raise BadCase("cannot_open") from err
        if (not isinstance(env, dict) or env.get("id") != row.record_id
                or env.get("version") != row.version or env.get("seq") != row.seq
                or env.get("kind") != row.kind or not isinstance(env.get("payload"), dict)):
            raise BadCase("bad_envelope")
        return env

    def open(self, rows: list[StoredVersion], centre_status: str = "accepted"
             ) -> CaseFile | Unreadable:
        """All stored versions of one case (any order) → its file, or why not."""
        rows = sorted(rows, key=lambda r: r.version)
        last = rows[-1]
        try:
            envs = [(r, self.envelope(r)) for r in rows]
            return self._case(envs, centre_status)
        except BadCase as err:
            return Unreadable(last.record_id, last.version, err.code,
                              _clear(last.meta, "case_no"), _clear(last.meta, "matter"))

    def _case(self, envs: list[tuple[StoredVersion, dict[str, Any]]], centre_status: str
              ) -> CaseFile:
        row, env = envs[-1]
        p = env["payload"]
        matter_code = _text(p, "matter", 8)
        if matter_code != row.meta.get("matter") or _text(p, "case_no", 40) != row.meta.get(
                "case_no"):
            raise BadCase("clear_mismatch")  # the clear columns must say what the seal says
        try:
            matter = self.catalogue.get(matter_code)
        except Exception as err:  # UnknownMatter, whatever the catalogue says
            raise BadCase("unknown_matter") from err
        outing = _date(p, "outing_date")
        answers = _answers(matter, p.get("answers"), outing)
        by_code = {a.code: a for a in answers}
        res = p.get("resident")
        if not isinstance(res, dict):
            raise BadCase("bad_payload")
        resident = Resident(**_person(res), phone=_answer_text(by_code, "phone"),
                            address=_answer_text(by_code, "address"),
                            source=_choice(res.get("source", "typed"),
                                           ("card", "training", "typed")))
        agent_raw = p.get("agent")
        agent = None
        if agent_raw is not None:
            if not isinstance(agent_raw, dict):
                raise BadCase("bad_payload")
            agent = Agent(**_person(agent_raw), relation=_text(agent_raw, "relation", 40))
        received = _codes(p.get("materials"))
        missing = _codes(p.get("missing"))
        versions = tuple(_version(r, e) for r, e in envs)
        rating = p.get("rating")
        if rating is not None and (type(rating) is not int or not 1 <= rating <= 5):
            raise BadCase("bad_payload")
        return CaseFile(
            record_id=row.record_id, case_no=_text(p, "case_no", 40), station_id=row.station_id,
            station_name=self.station_names.get(row.station_id, ""), matter=matter.code,
            matter_name=matter.display_name, line=matter.code[:2], site=_text(p, "site", 80),
            staff=_text(p, "staff", 64), outing_date=outing,
            created_at=_datetime(p, "created_at"), updated_at=_datetime(p, "updated_at"),
            due_date=_date(p, "due_date") if p.get("due_date") else None,
            station_status=_choice(p.get("status"), ("accepted", "materials_pending",
                                                     "withdrawn")),
            centre_status=centre_status, resident=resident, agent=agent, answers=answers,
            received=tuple(_material(matter, c) for c in received),
            missing=tuple(_material(matter, c) for c in missing),
            delivery=_choice(p.get("delivery"), ("centre", "visit", "post")), rating=rating,
            visit=_text(p, "visit", 80, required=False), versions=versions)


def _version(row: StoredVersion, env: dict[str, Any]) -> Version:
    p = env["payload"]
    code = env.get("reason")
    return Version(version=row.version, seq=row.seq,
                   status=_choice(p.get("status"), ("accepted", "materials_pending",
                                                    "withdrawn")),
                   updated_at=_datetime(p, "updated_at"),
                   reason_code=code if isinstance(code, str) and len(code) <= 40 else "",
                   reason=_text(p, "reason", 400, required=False), received_at=row.received_at)


def _answers(matter: Any, raw: Any, today: date) -> tuple[Answer, ...]:
    """Answers in the catalogue's field order, then any the catalogue no longer knows.
    Each is typed on its own by the station's rule (station/catalogue/answers.py), on the day it
    was recorded (a "past" date is checked against that day, not today)."""
    from station.catalogue.answers import AnswersInvalid, clean_answers

    if not isinstance(raw, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and len(v) <= _MAX_TEXT
            for k, v in raw.items()):
        raise BadCase("bad_payload")
    out = []
    for f in matter.fields:
        text = raw.get(f.key)
        if text is None:
            continue
        try:
            value, problem = clean_answers(_single_field(f), {f.key: text},
                                           today=today)[f.key], ""
        except AnswersInvalid as err:
            value, problem = None, err.errors.get(f.key, "invalid")
        out.append(Answer(f.key, f.label, f.type, text, value, problem))
    known = {f.key for f in matter.fields}
    for key in sorted(set(raw) - known):
        out.append(Answer(key[:64], key[:64], "unknown", raw[key], None, "unknown_field"))
    return tuple(out)


_LONE: dict[int, tuple[Any, Any]] = {}  # id(field) → (field, its one-field matter)


def _single_field(f: Any) -> Any:
    """A matter holding only this field, not required: one answer checked on its own (a
    catalogue update may have made another field required since). Made once per field."""
    hit = _LONE.get(id(f))
    if hit is not None and hit[0] is f:
        return hit[1]
    if len(_LONE) > 10_000:
        _LONE.clear()
    lone = _make_single(f)
    _LONE[id(f)] = (f, lone)
    return lone


def _make_single(f: Any) -> Any:
    import dataclasses

    from station.catalogue.model import Eligibility, Matter

    lone = dataclasses.replace(f, required=False, required_if=None, after=None)
    return Matter(code="XX00", name="", name_en="", line="", menus=(), time_limit_days=0,
                  home_visit=False, delivery=(), eligibility=Eligibility(), fields=(lone,),
                  materials=())


def _answer_text(by_code: dict[str, Answer], code: str) -> str:
    a = by_code.get(code)
    if a is None:
        return ""
    return a.value if isinstance(a.value, str) else a.text


def _person(raw: dict[str, Any]) -> dict[str, Any]:
    rid = raw.get("id")
    if not isinstance(rid, dict):
        raise BadCase("bad_payload")
    number = _text(rid, "number", 40)
    name = raw.get("name", "")
    if not isinstance(name, str) or len(name) > 80:
        raise BadCase("bad_payload")
    birth = rid.get("birth_date")
    return {"name": name, "id_number": number, "id_kind": _text(rid, "kind", 40),
            "birth_date": _date(rid, "birth_date") if birth else None,
            "sex": _text(rid, "sex", 8, required=False)}


def _material(matter: Any, code: str) -> MaterialItem:
    for m in matter.materials:
        if m.code == code:
            return MaterialItem(m.code, m.name, m.form, m.count)
    return MaterialItem(code, code, "", 0)


def _codes(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(c, str) and 0 < len(c) <= 40
                                            for c in raw):
        raise BadCase("bad_payload")
    return tuple(raw)


def _text(doc: dict[str, Any], key: str, max_len: int, required: bool = True) -> str:
    value = doc.get(key, None if required else "")
    if value is None and not required:
        return ""
    if not isinstance(value, str) or len(value) > max_len or (required and not value):
        raise BadCase("bad_payload")
    return value


def _choice(value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise BadCase("bad_payload")
    return value


def _date(doc: dict[str, Any], key: str) -> date:
    try:
        return date.fromisoformat(doc[key])
    except (KeyError, TypeError, ValueError) as err:
        raise BadCase("bad_payload") from err


def _datetime(doc: dict[str, Any], key: str) -> datetime:
    try:
        return datetime.fromisoformat(doc[key])
    except (KeyError, TypeError, ValueError) as err:
        raise BadCase("bad_payload") from err


def _clear(meta: dict[str, Any], key: str) -> str:
    value = meta.get(key)
    return value[:40] if isinstance(value, str) else ""


# --------------------------------------------------------------------------- the store
_COLS = "record_id, version, station_id, seq, kind, meta, suite, enc, received_at"


def _stored(row: tuple) -> StoredVersion:
    try:
        meta = json.loads(row[5])
    except (TypeError, ValueError):
        meta = {}
    return StoredVersion(row[0], int(row[1]), row[2], int(row[3]), row[4],
                         meta if isinstance(meta, dict) else {}, row[6],
                         bytes(row[7]) if row[7] is not None else b"", int(row[8]))


def case_ids(store: Any, since_ms: int = 0) -> list[str]:
    """Case record ids with a version received at or after `since_ms`, oldest first."""
    with store.tx() as cur:
        cur.execute(store.q("SELECT record_id, MIN(received_at) FROM records WHERE kind = ?"
                            " AND received_at >= ? GROUP BY record_id ORDER BY 2, 1"),
                    (CASE_KIND, since_ms))
        return [r[0] for r in cur.fetchall()]


def stored_versions(store: Any, record_ids: Iterable[str]) -> dict[str, list[StoredVersion]]:
    ids = list(dict.fromkeys(record_ids))
    out: dict[str, list[StoredVersion]] = {i: [] for i in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        with store.tx() as cur:
            cur.execute(store.q(f"SELECT {_COLS} FROM records WHERE kind = ? AND record_id IN"
                                f" ({','.join('?' * len(chunk))})"), (CASE_KIND, *chunk))
            for row in cur.fetchall():
                out[row[0]].append(_stored(row))
    return out


def centre_statuses(store: Any, record_ids: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for start in range(0, len(record_ids), 500):
        chunk = record_ids[start:start + 500]
        with store.tx() as cur:
            cur.execute(store.q("SELECT case_id, status FROM cases WHERE case_id IN"
                                f" ({','.join('?' * len(chunk))})"), tuple(chunk))
            out.update({r[0]: r[1] for r in cur.fetchall()})
    return out


def open_cases(store: Any, keys: CentreKeys, record_ids: Iterable[str],
               catalogue: Any = None) -> Iterator[CaseFile | Unreadable]:
    """Each named case opened (in the order given); unknown ids are skipped."""
    opener = CaseOpener(keys, catalogue or centre_catalogue(store),
                        {sid: name for sid, name, _ in store.stations()})
    ids = list(record_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = stored_versions(store, chunk)
        statuses = centre_statuses(store, chunk)
        for rid in chunk:
            if rows.get(rid):
                yield opener.open(rows[rid], statuses.get(rid, "accepted"))


def open_case(store: Any, keys: CentreKeys, record_id: str, catalogue: Any = None
              ) -> CaseFile | Unreadable | None:
    """One case by record id (None: no such case)."""
    return next(iter(open_cases(store, keys, [record_id], catalogue)), None)


def plain(value: Any) -> Any:
    """A typed value as JSON: dates ISO 8601, Decimals as strings (exact), the rest as is."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value
