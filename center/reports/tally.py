"""The centre report's counting, done by GROUP BY in the store (SQLite and PostgreSQL).

Why in SQL: a district month is some 20,000 record versions; reading, parsing and
checking each one in Python took seconds per page load. The store groups the latest
version of each record by (station, day, kind, matter, line, statuses, rating), a few
thousand groups, and Python only applies the catalogue and the calendar per group.

Why a "clean" test in SQL: a stored row may be anything (docs/reports.md, "Unreadable
rows"). A row counts in SQL only when SQL can prove that `data.row_version` would read
it (types, UUIDv7 id and its time, a JSON object of strings, a real day); every other
row, and every version of a record that has such a row, goes through the Python
reader unchanged (`fallback`), so the figures and the unreadable list stay the same.
JSON per engine: SQLite's json_extract/json_each (https://sqlite.org/json1.html);
PostgreSQL's ->> and jsonb_each, behind a function that turns unparsable text into
NULL instead of an error (https://www.postgresql.org/docs/15/functions-json.html).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from center.record_rules import real_day
from center.reports import data

_HEX = "[0-9a-f]"
# RFC 9562 §5.7 UUIDv7, as center.record_rules._UUID7 writes it (lower-case hex).
_UUID_GLOB = "-".join(["[0-9a-f]" * 8, "[0-9a-f]" * 4, "7" + "[0-9a-f]" * 3,
                       "[89ab]" + "[0-9a-f]" * 3, "[0-9a-f]" * 12])
_UUID_RE = "^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
# Creation times as stations write them (datetime.isoformat, UTC); other shapes go the
# Python way. '?' and '%' are kept out: store.q turns '?' into a placeholder.
_D = "[0-9]"
_BASE_GLOB = f"{_D * 4}-{_D * 2}-{_D * 2}T{_D * 2}:{_D * 2}:{_D * 2}"
_CREATED_GLOBS = [_BASE_GLOB + s for s in ("." + _D * 6 + "+00:00", "+00:00", "", "." + _D * 6,
                                           "." + _D * 3, "." + _D * 3 + "+00:00")]
_CREATED_RE = ("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
               "([.][0-9]{3}|[.][0-9]{6}){0,1}([+]00:00){0,1}$")

# PostgreSQL: meta text → jsonb object, or NULL when it is not one (never an error).
PG_META_FN = """CREATE FUNCTION report_meta(t text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE
AS $f$ DECLARE j jsonb; BEGIN
  j := t::jsonb;
  IF jsonb_typeof(j) = 'object' THEN RETURN j; END IF;
  RETURN NULL;
EXCEPTION WHEN others THEN RETURN NULL;
END $f$"""


def ensure_functions(store: Any) -> None:
    if store.engine != "postgresql":
        return
    try:
        with store.tx() as cur:
            cur.execute("SELECT 1 FROM pg_proc WHERE proname = 'report_meta'")
            if cur.fetchone() is None:
                cur.execute(PG_META_FN)
    except Exception:  # another worker created it at the same moment
        with store.tx() as cur:
            cur.execute("SELECT 1 FROM pg_proc WHERE proname = 'report_meta'")
            if cur.fetchone() is None:
                raise


class _Sql:
    """The engine's spelling of the few expressions that differ."""

    def __init__(self, engine: str) -> None:
        self.pg = engine == "postgresql"

    def meta(self) -> str:
        if self.pg:
            return "report_meta(meta)"
        return ("CASE WHEN typeof(meta) = 'text' AND json_valid(meta)"
                " AND json_type(meta) = 'object' THEN meta END")

    def get(self, key: str) -> str:
        return f"(mj ->> '{key}')" if self.pg else f"json_extract(mj, '$.{key}')"

    def meta_ok(self) -> str:
        if self.pg:
            return ("mj IS NOT NULL AND NOT EXISTS (SELECT 1 FROM jsonb_each(mj) e"
                    " WHERE jsonb_typeof(e.value) <> 'string')")
        # one pass: every value a text, no key twice (json_extract would read the first
        # of two, Python's json the last)
        return ("mj IS NOT NULL AND (SELECT COUNT(*) = COUNT(DISTINCT e.key)"
                " AND SUM(e.type <> 'text') = 0 FROM json_each(mj) e) IS NOT 0")

    def shape(self, id_lo: int, id_hi: int) -> str:
        """Types, id and creation time as data.row_version wants them."""
        if self.pg:
            ident = f"record_id ~ '{_UUID_RE}'"
            created = f"created_at ~ '{_CREATED_RE}'"
            types = "version >= 1 AND seq >= 1"
        else:
            ident = f"typeof(record_id) = 'text' AND record_id GLOB '{_UUID_GLOB}'"
            created = ("typeof(created_at) = 'text' AND ("
                       + " OR ".join(f"created_at GLOB '{g}'" for g in _CREATED_GLOBS) + ")")
            types = ("typeof(station_id) = 'text' AND typeof(version) = 'integer'"
                     " AND version >= 1 AND typeof(seq) = 'integer' AND seq >= 1"
                     " AND typeof(kind) = 'text' AND typeof(received_at) = 'integer'")
        id_lo, id_hi = f"'{id_lo:012x}'", f"'{id_hi:012x}'"  # hex digits only
        return (f"{types} AND {ident}"
                f" AND substr(record_id, 1, 8) || substr(record_id, 10, 4) BETWEEN {id_lo}"
                f" AND {id_hi}"
                f" AND {created} AND substr(created_at, 12, 2) <= '23'"
                " AND substr(created_at, 15, 2) <= '59' AND substr(created_at, 18, 2) <= '59'")


@dataclass
class Tally:
    """What the store counted over clean rows, and the rows left to Python."""

    received: list[tuple]  # (station_id, day|None, created_at|None, n, seq_lo, seq_hi)
    # (station_id, kind, day|None, record_id|None, status, visit status, odd rating,
    #  n, materials_pending, withdrawn, rated, rating_sum)
    figures: list[tuple]
    per_line: list[tuple]  # (line, day|None, record_id|None, n)
    # open cases of the matters and days `overdue_of` named: (station_id, day|None,
    # record_id|None, matter, status, case_no)
    overdue: list[tuple]
    fallback: list[data.Version]
    limited: dict[str, Any]  # matter value → its catalogue entry (time-limited matters)


class Counter:
    """The catalogue facts SQL needs, per raw matter value the store holds."""

    def __init__(self, matters: list[Any], cat: Any) -> None:
        self.on_spot: list[str] = []  # 即办 (done at acceptance)
        self.limited: dict[str, Any] = {}  # matter value → catalogue entry with a limit
        for m in matters:
            if not isinstance(m, str):
                continue
            try:
                found = cat.get(m)
            except Exception:  # a matter an older catalogue had: no promise to check
                continue
            if found.done_at_acceptance:
                self.on_spot.append(m)
            else:
                self.limited[m] = found


def tally(store: Any, station_id: str | None, unreadable: data.Unreadable, cat: Any, *,
          line: str | None = None, matter: str | None = None,
          status: str | None = None, overdue_of: Any) -> Tally:
    """`overdue_of(open_groups, limited)` gets the open, time-limited case groups
    (day|None, record_id|None, matter, n) and returns (matters, last day) to list."""
    ensure_functions(store)
    sql = _Sql(store.engine)
    now = int(time.time() * 1000)
    max_day = datetime.fromtimestamp((now + data.SPAN_MS) / 1000, UTC).date().isoformat()
    where = " WHERE station_id = ?" if station_id is not None else ""
    sargs: tuple[Any, ...] = (station_id,) if station_id is not None else ()
    base = (f"SELECT station_id, record_id, version, seq, kind, meta, created_at, received_at,"
            f" {sql.meta()} AS mj FROM records{where}")
    known = "station_id IN (SELECT station_id FROM stations)"
    fields = ", ".join(f"CASE WHEN ok = 1 THEN {sql.get(k)} END AS m_{k}"
                       for k in ("date", "matter", "line", "status", "visit_status", "rating",
                                 "case_no"))
    temp = "CREATE TEMP TABLE" + (" report_rt ON COMMIT DROP AS" if sql.pg else " report_rt AS")
    temp_g = "CREATE TEMP TABLE" + (" report_rg ON COMMIT DROP AS" if sql.pg else
                                    " report_rg AS")
    with store.tx() as cur:
        if not sql.pg:
            cur.execute("DROP TABLE IF EXISTS temp.report_rt")
            cur.execute("DROP TABLE IF EXISTS temp.report_rg")
        # One pass over the stored rows: each checked and its meta read once.
        # MATERIALIZED: the meta check and `ok` are worked out once per row, not once
        # per reference (both engines honour the hint: SQLite 3.35+, PostgreSQL 12+).
        select = (f"WITH b AS MATERIALIZED ({{base}}), f AS MATERIALIZED (SELECT b.*, CASE"
                  f" WHEN {sql.shape(data.FIRST_MS, now + data.SPAN_MS)} AND"
                  f" {sql.meta_ok()} AND {known} THEN 1 ELSE 0 END AS ok FROM b)"
                  f" SELECT station_id, record_id, version, seq, kind, created_at,"
                  f" received_at, ok, {fields} FROM f")
        # (PostgreSQL takes no parameters in CREATE TABLE AS: create empty, then fill.)
        cur.execute(f"{temp} " + select.replace("{base}", base.replace(where, "") + " WHERE 1 = 0"))
        cur.execute(store.q("INSERT INTO report_rt " + select.replace("{base}", base)), sargs)
        # The days rows name, checked in Python once each (a few hundred values).
        cur.execute("SELECT DISTINCT m_date FROM report_rt WHERE ok = 1")
        bad_days = [d for (d,) in cur.fetchall() if d and real_day(d) is None]
        cur.execute("SELECT DISTINCT substr(created_at, 1, 10) FROM report_rt WHERE ok = 1")
        bad_days += [d for (d,) in cur.fetchall()
                     if real_day(d) is None or not "2000-01-01" <= d < max_day]
        if bad_days:
            marks = ", ".join("?" * len(bad_days))
            cur.execute(store.q(
                f"UPDATE report_rt SET ok = 0 WHERE ok = 1 AND (COALESCE(m_date, '') IN"
                f" ({marks}) OR substr(created_at, 1, 10) IN ({marks}))"),
                (*bad_days, *bad_days))
        # A record with any row SQL cannot vouch for is read wholly by Python.
        cur.execute(
            f"{temp_g} SELECT t.*, ROW_NUMBER() OVER (PARTITION BY record_id ORDER BY"
            " version DESC) AS rn, CASE WHEN length(m_date) = 10 THEN m_date END AS day,"
            " CASE WHEN length(m_date) = 10 THEN NULL ELSE record_id END AS rid,"
            " CASE WHEN length(m_date) = 10 THEN NULL ELSE created_at END AS cat"
            " FROM report_rt t WHERE ok = 1 AND record_id NOT IN"
            " (SELECT record_id FROM report_rt WHERE ok = 0 AND record_id IS NOT NULL)")
        cur.execute("SELECT station_id, day, cat, COUNT(*), MIN(seq), MAX(seq)"
                    " FROM report_rg GROUP BY station_id, day, cat")
        received = cur.fetchall()
        cur.execute("SELECT DISTINCT m_matter FROM report_rg WHERE rn = 1 AND kind = 'case'")
        facts = Counter([m for (m,) in cur.fetchall()], cat)
        on_spot = (f"m_matter IN ({', '.join('?' * len(facts.on_spot))})" if facts.on_spot
                   else "1 = 0")
        eff = ("CASE WHEN kind = 'case' AND (cs.status IS NULL OR cs.status NOT IN"
               " ('accepted', 'reviewing', 'done', 'returned') OR cs.status = 'accepted')"
               f" AND {on_spot} THEN 'done' WHEN cs.status IN ('accepted', 'reviewing', 'done',"
               " 'returned') THEN cs.status ELSE 'accepted' END")
        pick = (f"SELECT r.*, {eff} AS eff FROM report_rg r LEFT JOIN cases cs"
                " ON cs.case_id = r.record_id WHERE rn = 1 AND kind IN ('case', 'visit')")
        pargs: list[Any] = list(facts.on_spot)
        cond: list[str] = []
        if line or matter or status:  # visits have neither line nor matter
            cond.append("kind = 'case'")
        if line:
            cond.append("m_line = ?")
            pargs.append(line)
        if matter:
            cond.append("m_matter = ?")
            pargs.append(matter)
        if status:
            cond.append("eff = ?")
            pargs.append(status)
        sel = f"FROM ({pick}) p" + (" WHERE " + " AND ".join(cond) if cond else "")
        rating = "m_rating IN ('1', '2', '3', '4', '5')"
        cur.execute(store.q(
            "SELECT station_id, kind, day, rid, eff,"
            " CASE WHEN kind = 'visit' THEN COALESCE(NULLIF(m_visit_status, ''), m_status, '')"
            " END AS vst,"
            f" CASE WHEN m_rating IS NULL OR m_rating = '' OR {rating} THEN NULL"
            " ELSE m_rating END AS odd, COUNT(*),"
            " SUM(CASE WHEN m_status = 'materials_pending' THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN m_status = 'withdrawn' THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN {rating} THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN {rating} THEN CAST(m_rating AS INTEGER) ELSE 0 END)"
            f" {sel} GROUP BY station_id, kind, day, rid, eff, vst, odd"), pargs)
        figures = cur.fetchall()
        cur.execute(store.q(
            f"SELECT COALESCE(m_line, ''), day, rid, COUNT(*) {sel}"
            f"{' AND' if cond else ' WHERE'} kind = 'case' GROUP BY 1, day, rid"), pargs)
        per_line = cur.fetchall()
        open_sel = (f"{sel}{' AND' if cond else ' WHERE'} kind = 'case'"
                    " AND eff NOT IN ('done', 'returned')"
                    " AND COALESCE(m_status, '') <> 'withdrawn'")
        cur.execute(store.q(f"SELECT day, rid, m_matter, COUNT(*) {open_sel}"
                            " GROUP BY day, rid, m_matter"), pargs)
        open_groups = [g for g in cur.fetchall() if g[2] in facts.limited]
        # (record_id is NOT NULL in the schema, which SQLite enforces too)
        cur.execute(store.q(
            "SELECT station_id, record_id, version, seq, kind, meta, created_at, received_at"
            f" FROM records WHERE{' station_id = ? AND' if station_id is not None else ''}"
            " record_id IN (SELECT record_id FROM report_rt WHERE ok = 0)"
            " ORDER BY station_id, seq"), sargs)
        rest = cur.fetchall()

        def overdue_cases(matters: list[str], last_day: str) -> list[tuple]:
            marks = ", ".join("?" * len(matters))
            cur.execute(store.q(
                f"SELECT station_id, day, rid, m_matter, eff, m_case_no {open_sel}"
                f" AND m_matter IN ({marks}) AND (day IS NULL OR day <= ?)"),
                (*pargs, *matters, last_day))
            return cur.fetchall()

        fallback = []
        for r in rest:
            v = data.row_version(r, r[6], now)
            if v is not None:
                fallback.append(v)
            else:
                unreadable.add("records", r[1])
        # Which open groups are overdue is the calendar's call (Python); their case
        # numbers are read here, while the temp tables live.
        matters, last_day = overdue_of(open_groups, facts.limited)
        overdue = []
        if matters:
            marks = ", ".join("?" * len(matters))
            cur.execute(store.q(
                f"SELECT station_id, day, rid, m_matter, eff, m_case_no {open_sel}"
                f" AND m_matter IN ({marks}) AND (day IS NULL OR day <= ?)"),
                (*pargs, *matters, last_day))
            overdue = cur.fetchall()
        if not sql.pg:
            cur.execute("DROP TABLE temp.report_rt")
            cur.execute("DROP TABLE temp.report_rg")
    return Tally(received, figures, per_line, overdue, fallback, facts.limited)
