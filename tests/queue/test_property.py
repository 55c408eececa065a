"""Random operation sequences against a plain in-memory model: state, contents and sequence
numbers of the real queue (real SQLite file, real crypto) always agree with it."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from stationq import TEST_KDF, Queue
from stationq.errors import LockedError, NotReadableError, WrongPassphraseError
from stationq.sealing import generate_centre_keys, open_sealed

from tests.queue.queue_testkit import PASS, SLOT, STATION, FakeClock

PRIV, KEY = generate_centre_keys()
payloads = st.dictionaries(
    st.sampled_from(["name", "id", "note", "n", "items"]),
    st.one_of(st.text(max_size=20), st.integers(), st.lists(st.text(max_size=5), max_size=3)),
    max_size=4,
)
metas = st.one_of(st.none(), st.fixed_dictionaries(
    {"matter": st.sampled_from(["A01", "B02", "C03"]), "site": st.sampled_from(["s1", "s2"])}))


@dataclass
class Version:
    seq: int
    kind: str
    payload: dict[str, Any]
    meta: dict[str, str]
    state: str = "pending"
    local: bool = True
    sealed: bool = False
    created: float = 0.0


class QueueModel(RuleBasedStateMachine):
    records = Bundle("records")

    @initialize(enrolled=st.booleans())
    def start(self, enrolled: bool) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="stationq-prop-"))
        self.clock = FakeClock()
        self.q = Queue.create(self.dir / "q.sqlite3", station_id=STATION, slot=SLOT,
                              passphrase=PASS, kdf=TEST_KDF, clock=self.clock,
                              centre_key=KEY if enrolled else None, delay_policy=lambda n: 0)
        self.enrolled = enrolled
        self.unlocked = True
        self.versions: dict[tuple[str, int], Version] = {}

    def teardown(self) -> None:
        if hasattr(self, "q"):
            self.q.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    # ------------------------------------------------------------------ writes

    def _expect_write(self) -> bool:
        return self.unlocked or self.enrolled

    @rule(target=records, kind=st.sampled_from(["case", "visit"]), payload=payloads, meta=metas)
    def append(self, kind, payload, meta):
        if not self._expect_write():
            with pytest.raises(LockedError):
                self.q.append(kind, payload, meta)
            return None
        info = self.q.append(kind, payload, meta)
        assert info.seq == len(self.versions) + 1
        assert info.version == 1
        self.versions[info.key] = Version(info.seq, kind, payload, meta or {},
                                          local=self.unlocked, sealed=self.enrolled,
                                          created=self.clock.now)
        return info.record_id

    @rule(record_id=records, payload=payloads, meta=metas)
    def amend(self, record_id, payload, meta):
        if record_id is None:
            return
        if not self._expect_write():
            with pytest.raises(LockedError):
                self.q.amend(record_id, payload, reason="r", meta=meta)
            return
        last = max(v for (r, v) in self.versions if r == record_id)
        previous = self.versions[(record_id, last)]
        info = self.q.amend(record_id, payload, reason="changed", meta=meta)
        assert (info.version, info.seq) == (last + 1, len(self.versions) + 1)
        self.versions[info.key] = Version(info.seq, previous.kind, payload,
                                          previous.meta if meta is None else meta,
                                          local=self.unlocked, sealed=self.enrolled,
                                          created=self.clock.now)

    @rule()
    def lock(self):
        self.q.lock()
        self.unlocked = False

    @rule(right=st.booleans())
    def unlock(self, right):
        if right:
            self.q.unlock(SLOT, PASS)
            self.unlocked = True
        else:
            with pytest.raises(WrongPassphraseError):
                self.q.unlock(SLOT, "wrong")

    @precondition(lambda self: not self.enrolled and self.unlocked)
    @rule()
    def enrol(self):
        sealed = self.q.set_centre_key(KEY)
        expected = [v for v in self.versions.values()
                    if v.state in ("pending", "sent") and v.local and not v.sealed]
        assert sealed == len(expected)
        for v in expected:
            v.sealed = True
        self.enrolled = True

    # ------------------------------------------------------------------ sync

    def _pending_model(self) -> list[tuple[str, int]]:
        keys = [k for k, v in self.versions.items() if v.state in ("pending", "sent") and v.sealed]
        return sorted(keys, key=lambda k: self.versions[k].seq)

    @rule(limit=st.integers(1, 6), data=st.data())
    def sync_round(self, limit, data):
        batch = self.q.pending(limit)
        assert [s.key for s in batch] == self._pending_model()[:limit]
        if not batch:
            return
        self.q.mark_sent(batch)
        for s in batch:
            self.versions[s.key].state = "sent"
        outcome = data.draw(st.sampled_from(["ack", "fail", "conflict", "none"]))
        chosen = data.draw(st.lists(st.sampled_from(batch), unique_by=lambda s: s.key))
        if outcome == "ack":
            assert self.q.acknowledge(chosen) == len(chosen)
            for s in chosen:
                assert open_sealed(PRIV, s.suite, STATION, s.record_id, s.version, s.enc) == \
                    self.versions[s.key].payload
                self.versions[s.key].state = "acknowledged"
                self.versions[s.key].sealed = False
        elif outcome == "fail":
            assert self.q.record_failure(chosen, "timeout") == len(chosen)
            for s in chosen:
                self.versions[s.key].state = "pending"
        elif outcome == "conflict":
            assert self.q.mark_conflict(chosen, "conflict") == len(chosen)
            for s in chosen:
                self.versions[s.key].state = "conflict"

    @rule(hours=st.integers(0, 60), data=st.data())
    def purge(self, hours, data):
        self.clock.advance(hours * 3600)
        held = data.draw(st.sets(st.sampled_from(sorted(self.versions)))
                         if self.versions else st.just(set()))
        result = self.q.purge(keep=held)
        removed = purged = kept = 0
        today = datetime.fromtimestamp(self.clock.now).date()
        for key, v in self.versions.items():
            past_its_day = datetime.fromtimestamp(v.created).date() < today  # retention 0
            if past_its_day and v.local and (
                v.state == "acknowledged" or (v.state in ("pending", "sent") and v.sealed)
            ):
                if key in held:
                    kept += 1
                    continue
                v.local = False
                removed += 1
        for v in self.versions.values():
            if v.state == "acknowledged" and not v.local:
                v.state = "purged"
                purged += 1
        assert (result.local_removed, result.purged, result.kept) == (removed, purged, kept)

    # ------------------------------------------------------------------ reads

    @rule(record_id=records, data=st.data())
    def get(self, record_id, data):
        if record_id is None:
            return
        versions = sorted(v for (r, v) in self.versions if r == record_id)
        version = data.draw(st.sampled_from(versions))
        model = self.versions[(record_id, version)]
        if not self.unlocked:
            with pytest.raises(LockedError):
                self.q.get(record_id, version)
        elif not model.local:
            with pytest.raises(NotReadableError):
                self.q.get(record_id, version)
        else:
            assert self.q.get(record_id, version) == model.payload

    @invariant()
    def agrees_with_model(self):
        if not hasattr(self, "q"):
            return
        rows = self.q.list(all_versions=True)
        assert [r.seq for r in rows] == list(range(1, len(self.versions) + 1))
        for r in rows:
            v = self.versions[r.key]
            assert (r.seq, r.kind, r.meta, r.state, r.has_local, r.has_sealed) == (
                v.seq, v.kind, v.meta, v.state, v.local, v.sealed), r
        counts = self.q.stats().counts
        for state in counts:
            assert counts[state] == sum(1 for v in self.versions.values() if v.state == state)
        assert self.q.pending_count() == counts["pending"] + counts["sent"]
        waiting = self._pending_model()
        after = waiting[len(waiting) // 2] if waiting else None
        if after is not None:  # a later page, as the sync client pipelines them
            assert [s.key for s in self.q.pending(500, after_seq=self.versions[after].seq)] \
                == waiting[len(waiting) // 2 + 1:]
        report = self.q.verify()
        assert report.ok, str(report)


QueueModel.TestCase.settings = settings(
    max_examples=100, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_queue_matches_model = QueueModel.TestCase
pytestmark = pytest.mark.slow  # a state machine run over many generated sequences
