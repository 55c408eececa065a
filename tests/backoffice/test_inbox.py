"""The inbox over clear metadata: filters, paging, new-first order, damaged rows, and
checked filter values — on SQLite and PostgreSQL stores."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from center.backoffice import inbox
from center.db import Incoming, PostgresStore, SqliteStore

TODAY = date(2026, 12, 7)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        s = SqliteStore(tmp_path / "c.sqlite3")
    else:
        s = PostgresStore(request.getfixturevalue("postgres").new_database())
    s.migrate()
    for sid, name in (("STA001", "徐汇-01"), ("STA002", "徐汇-02")):
        s.add_enrolment(f"code-{sid}", name, 2**40)
        assert s.enrol(f"code-{sid}", sid, b"s" * 32, b"i" * 32, 1) == name
    yield s
    s.close()


def put(store, station: str, seq: int, rid: str, meta: dict, version: int = 1,
        created: str = "2026-12-01T09:00:00+08:00") -> None:
    item = Incoming(rid, version, seq, "case", meta, created, "x25519", b"sealed", b"d" * 32)
    assert store.store_batch(station, f"n{station}{seq}", 0, [item]) == ["stored"]


def meta(no: str, matter: str, day: date, status: str = "accepted", site: str = "康健街道"):
    return {"case_no": no, "matter": matter, "line": matter[:2], "site": site,
            "staff": "s01", "date": day.isoformat(), "status": status, "rating": ""}


def test_filters_paging_and_damaged_rows(store):
    for i in range(60):
        put(store, "STA001", i + 1, f"rid-a-{i:03d}",
            meta(f"AAA-{i:03d}", "MZ01", TODAY - timedelta(days=i % 5)))
    put(store, "STA002", 1, "rid-b-000", meta("BBB-000", "MZ02", TODAY, "materials_pending",
                                              "田林街道"))
    put(store, "STA002", 2, "rid-b-001", meta("BBB-001", "MZ01", TODAY - timedelta(days=90)))
    put(store, "STA002", 3, "rid-b-002", {"case_no": "BBB-002", "matter": "MZ01",
                                          "date": "not a date", "status": "???"})
    store.set_case_status("rid-a-000", "STA001", "reviewing", {"uid": "u1"})
    rows = inbox.rows(store)
    assert len(rows) == 63
    damaged = [r for r in rows if r.damaged]
    assert [r.case_no for r in damaged] == ["BBB-002"]

    def pick(**q):
        f = inbox.parse_filters(q, {"STA001", "STA002"})
        shown, total = inbox.select(rows, f, 0, TODAY)
        return [r.case_no for r in shown], total

    first, total = pick()
    assert total == 63 and len(first) == inbox.PAGE_SIZE
    second, _ = pick(page="2")
    assert len(second) == 13 and not set(first) & set(second)
    assert pick(station="STA002")[1] == 3
    assert pick(site="田林街道")[0] == ["BBB-000"]
    assert pick(matter="MZ02")[0] == ["BBB-000"]
    assert pick(line="mz")[1] == 62  # the damaged row names no line
    assert pick(status="reviewing")[0] == ["AAA-000"]
    assert pick(missing="1")[0] == ["BBB-000"]
    # 90 days ago, 20 working days promised: overdue; this week's are not
    assert pick(overdue="1")[0] == ["BBB-001"]
    day = (TODAY - timedelta(days=4)).isoformat()
    hits, n = pick(**{"from": day, "to": day})
    assert n == 12 and all(no.startswith("AAA-") for no in hits)


def test_new_since_the_last_visit_come_first(store):
    put(store, "STA001", 1, "rid-old", meta("OLD-1", "MZ01", TODAY))
    rows = inbox.rows(store)
    seen = rows[0].last_received
    inbox.mark_seen(store, "李办件", seen)
    assert inbox.seen_at(store, "李办件") == seen
    put(store, "STA001", 2, "rid-new", meta("NEW-1", "MZ01", TODAY - timedelta(days=3)))
    rows = inbox.rows(store)
    shown, _ = inbox.select(rows, inbox.Filters(), seen, TODAY)
    assert next(r.case_no for r in shown) == "NEW-1"


@pytest.mark.parametrize("query,field", [
    ({"station": "nowhere"}, "station"), ({"matter": "MZ1"}, "matter"),
    ({"line": "民政"}, "line"), ({"status": "lost"}, "status"),
    ({"from": "2026-13-01"}, "from"), ({"to": "yesterday"}, "to"),
    ({"page": "0"}, "page"), ({"page": "-1"}, "page"), ({"page": "99999999"}, "page"),
    ({"site": "x" * 200}, "site"),
])
def test_bad_filters_are_named(query, field):
    with pytest.raises(inbox.BadFilter) as err:
        inbox.parse_filters(query, {"STA001"})
    assert err.value.field == field


def test_a_row_with_unparseable_meta_is_still_listed():
    row = inbox._row("rid", [("rid", 1, "STA", "{not json", "x", 1)], "accepted", {},
                     __import__("station.catalogue.loader", fromlist=["load_catalogue"])
                     .load_catalogue())
    assert row.damaged and row.record_id == "rid" and json.dumps(row.case_no) == '""'
