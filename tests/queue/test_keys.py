"""Key slots, wrong passphrases (counted, delayed, persisted, audited), recovery, lock."""

from __future__ import annotations

import pytest
from stationq import TEST_KDF, KdfParams, Queue, default_delay
from stationq.errors import (
    LastSlotError,
    LockedError,
    SlotExistsError,
    TooManyAttemptsError,
    UnknownSlotError,
    WrongKeyError,
    WrongPassphraseError,
)
from stationq.sealing import open_recovery

from tests.queue.queue_testkit import PASS, SLOT, STATION


def test_wrong_passphrases_are_counted_delayed_and_survive_a_restart(make_queue, tmp_path,
                                                                    clock):
    q = make_queue()
    q.lock()
    for expected in (1, 2, 3):
        with pytest.raises(WrongPassphraseError) as err:
            q.unlock(SLOT, "guess")
        assert err.value.failures == expected
    assert err.value.retry_after == default_delay(3) == 1.0
    with pytest.raises(TooManyAttemptsError):
        q.unlock(SLOT, PASS)  # even the right passphrase waits
    q.close()
    q = Queue.open(tmp_path / "q.sqlite3", clock=clock)  # a restart does not reset the delay
    with pytest.raises(TooManyAttemptsError) as err:
        q.unlock(SLOT, PASS)
    assert err.value.failures == 3
    clock.advance(1.0)
    with pytest.raises(WrongPassphraseError) as err:
        q.unlock(SLOT, "guess")
    assert (err.value.failures, err.value.retry_after) == (4, 2.0)
    clock.advance(2.0)
    q.unlock(SLOT, PASS)
    assert q.unlocked
    events = [e.event for e in q.audit_entries()]
    assert events.count("unlock_failed") == 4
    assert events.count("unlock_refused") == 2
    q.lock()
    with pytest.raises(WrongPassphraseError) as err:  # success reset the counter
        q.unlock(SLOT, "guess")
    assert (err.value.failures, err.value.retry_after) == (1, 0.0)
    assert q.verify().ok
    q.close()


def test_delay_policy_is_injectable(tmp_path, clock):
    q = Queue.create(tmp_path / "q.sqlite3", station_id=STATION, slot=SLOT, passphrase=PASS,
                     kdf=TEST_KDF, clock=clock, delay_policy=lambda n: 60.0 * n)
    q.lock()
    with pytest.raises(WrongPassphraseError) as err:
        q.unlock(SLOT, "guess")
    assert err.value.retry_after == 60.0
    clock.advance(59)
    with pytest.raises(TooManyAttemptsError):
        q.unlock(SLOT, PASS)
    clock.advance(1)
    q.unlock(SLOT, PASS)
    q.close()


def test_unknown_slot(make_queue):
    q = make_queue()
    with pytest.raises(UnknownSlotError):
        q.unlock("nobody", PASS)


def test_add_rotate_remove_slots(make_queue, tmp_path, clock):
    q = make_queue()
    info = q.append("case", {"name": "王芳"})
    q.add_slot("s02", "second passphrase", kdf=TEST_KDF)
    with pytest.raises(SlotExistsError):
        q.add_slot("s02", "x", kdf=TEST_KDF)
    q.rotate_slot(SLOT, "new first passphrase", kdf=KdfParams(memory_cost=16, iterations=2))
    slots = {s.name: s for s in q.slots()}
    assert slots[SLOT].kdf == {"memory_cost": 16, "iterations": 2, "lanes": 1}
    assert slots["s02"].kdf == {"memory_cost": 8, "iterations": 1, "lanes": 1}
    q.lock()
    with pytest.raises(LockedError):
        q.add_slot("s03", "x", kdf=TEST_KDF)
    with pytest.raises(WrongPassphraseError):
        q.unlock(SLOT, PASS)  # the old passphrase no longer opens it
    q.unlock(SLOT, "new first passphrase")
    q.lock()
    q.unlock("s02", "second passphrase")
    assert q.get(info.record_id) == {"name": "王芳"}
    q.remove_slot("s02")
    with pytest.raises(LastSlotError):
        q.remove_slot(SLOT)  # no recovery slot either: refuse to lose the data key
    q.lock()
    with pytest.raises(UnknownSlotError):
        q.unlock("s02", "second passphrase")
    events = [e.event for e in q.audit_entries()]
    assert {"slot_add", "slot_rotate", "slot_remove"} <= set(events)


def test_recovery_slot_opens_with_the_centre_key(make_queue, centre, tmp_path, clock):
    priv, key = centre
    q = make_queue(key)
    info = q.append("case", {"name": "赵强"})
    q.close()
    q = Queue.open(tmp_path / "q.sqlite3", clock=clock)
    suite, blob = q.recovery_blob()
    with pytest.raises(WrongKeyError):
        q.unlock_with_key(bytes(32))
    dek = open_recovery(priv, suite, STATION, q.key_id, blob)  # the centre's side
    q.unlock_with_key(dek)
    assert q.get(info.record_id) == {"name": "赵强"}
    q.remove_slot(SLOT)  # allowed: the recovery slot still reaches the data key
    assert [s.kind for s in q.slots()] == ["recovery"]
    assert "unlock_recovery" in [e.event for e in q.audit_entries()]
    q.close()


def test_lock_drops_the_data_key(make_queue):
    q = make_queue()
    dek_buffer = q._dek
    q.lock()
    assert q._dek is None and q._cipher is None
    assert dek_buffer == bytearray(32)  # zeroed in place
    with pytest.raises(LockedError):
        q.get("01900000-0000-7000-8000-000000000000")
