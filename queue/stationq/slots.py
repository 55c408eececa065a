"""Key slots: unlocking, locking and the passphrases that wrap the data key.

Why a mixin of its own: everything about who may open the data key (Argon2id slots,
the recovery slot, the persisted back-off after wrong passphrases) reads apart from
how records are stored; ``Queue`` combines both.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

from stationq import keys
from stationq.errors import (
    InvalidArgumentError,
    LastSlotError,
    LockedError,
    SlotExistsError,
    TooManyAttemptsError,
    UnknownSlotError,
    WrongKeyError,
    WrongPassphraseError,
)
from stationq.model import SlotInfo
from stationq.unlock_turn import unlock_turn

RECOVERY_SLOT = "recovery"
_SLOT_RE = re.compile(r"[A-Za-z0-9_.@-]{1,64}\Z")


def default_delay(failures: int) -> float:
    """Back-off after wrong passphrases: 3 free tries, then 1 s, 2 s, 4 s ... capped at 15 min."""
    return 0.0 if failures < 3 else float(min(2 ** (failures - 3), 900))


def check_slot_name(slot: str) -> None:
    if not isinstance(slot, str) or not _SLOT_RE.match(slot) or slot == RECOVERY_SLOT:
        raise InvalidArgumentError(
            f"Slot names are 1-64 chars of A-Z a-z 0-9 _ . @ - and not {RECOVERY_SLOT!r}.")


def _ts(value: float) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


class KeySlots:
    """Slot management for ``Queue`` (uses its connection, lock, clock and audit chain)."""

    # Provided by Queue:
    _db: sqlite3.Connection
    _lock: threading.RLock
    _clock: Callable[[], float]
    _delay_policy: Callable[[int], float]
    _dek: bytearray | None
    _cipher: keys.LocalCipher | None
    _key_check: bytes
    station_id: str
    key_id: str
    _write: Callable[[], AbstractContextManager[sqlite3.Connection]]
    _audit: Callable[..., int]
    _meta_value: Callable[..., Any]
    path: Any

    @property
    def unlocked(self) -> bool:
        return self._cipher is not None

    def _set_dek(self, dek: bytes) -> None:
        self._dek = bytearray(dek)
        self._cipher = keys.LocalCipher(bytes(self._dek))

    def lock(self) -> None:
        """Drop the data key. Best effort in Python: the bytearray is zeroed, copies inside
        the AES object are released with it; appends continue sealed-only (see README)."""
        with self._lock:
            if self._dek is not None:
                self._dek[:] = bytes(len(self._dek))
            self._dek = None
            self._cipher = None

    def _require_unlocked(self, action: str) -> bytes:
        if self._dek is None:
            raise LockedError(action)
        return bytes(self._dek)

    def unlock(self, slot: str, passphrase: str) -> None:
        """Open the data key with a staff passphrase; wrong ones are counted, delayed, audited.

        Argon2id runs outside the queue's lock, so a sync thread is not held up by it,
        but inside the file lock, so parallel attempts wait for each other's outcome.
        """
        with unlock_turn(self.path):
            self._unlock_in_turn(slot, passphrase)

    def _unlock_in_turn(self, slot: str, passphrase: str) -> None:
        with self._lock:
            now = self._clock()
            failures = int(self._meta_value("failures", 0))
            retry_at = float(self._meta_value("retry_at", 0.0))
            if now < retry_at:
                with self._write() as tx:
                    self._audit(tx, "unlock_refused", {"slot": slot, "failures": failures})
                raise TooManyAttemptsError(failures, retry_at - now)
            row = self._db.execute(
                "SELECT kdf, wrapped FROM slots WHERE name = ? AND kind = 'passphrase'", (slot,)
            ).fetchone()
        if row is None:
            raise UnknownSlotError(slot)
        params, salt = keys.KdfParams.from_json(row[0])
        kek = keys.derive_kek(passphrase, salt, params)
        dek = keys.unwrap(kek, row[1], keys.slot_aad(self.station_id, slot, self.key_id))
        with self._lock, self._write() as tx:
            if dek is None:
                # Re-read inside the transaction: concurrent wrong tries all count.
                failures = int(self._meta_value("failures", 0)) + 1
                delay = max(0.0, float(self._delay_policy(failures)))
                tx.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                               [("failures", failures), ("retry_at", now + delay)])
                self._audit(tx, "unlock_failed", {"slot": slot, "failures": failures})
            else:
                tx.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                               [("failures", 0), ("retry_at", 0.0)])
                self._audit(tx, "unlock", {"slot": slot})
        if dek is None:
            raise WrongPassphraseError(slot, failures, delay)
        with self._lock:
            self._set_dek(dek)  # only once the unlock is on record

    def unlock_with_key(self, dek: bytes) -> None:
        """Unlock with the data key recovered by the centre from the recovery slot."""
        with self._lock:
            if len(dek) != 32 or keys.key_check(dek, self.key_id) != self._key_check:
                raise WrongKeyError()
            with self._write() as tx:
                self._audit(tx, "unlock_recovery", {"key_id": self.key_id})
            self._set_dek(dek)

    def recovery_blob(self) -> tuple[str, bytes] | None:
        """(suite, HPKE blob) of the recovery slot, for the centre's ``open_recovery``."""
        row = self._db.execute(
            "SELECT suite, wrapped FROM slots WHERE kind = 'recovery'").fetchone()
        return None if row is None else (row[0], row[1])

    def _insert_slot(self, tx: sqlite3.Connection, slot: str, passphrase: str,
                     kdf: keys.KdfParams) -> None:
        if not passphrase:
            raise InvalidArgumentError("A slot passphrase must not be empty.")
        salt = os.urandom(16)
        kek = keys.derive_kek(passphrase, salt, kdf)
        blob = keys.wrap(kek, self._require_unlocked("adding a key slot"),
                         keys.slot_aad(self.station_id, slot, self.key_id))
        tx.execute("INSERT OR REPLACE INTO slots VALUES (?, 'passphrase', ?, NULL, ?, ?)",
                   (slot, kdf.to_json(salt), blob, self._clock()))

    def slots(self) -> list[SlotInfo]:
        out = []
        for name, kind, kdf, created in self._db.execute(
            "SELECT name, kind, kdf, created_at FROM slots ORDER BY name"
        ):
            params = None
            if kdf:
                data = json.loads(kdf)
                params = {k: data[k] for k in ("memory_cost", "iterations", "lanes")}
            out.append(SlotInfo(name, kind, _ts(created), params))
        return out

    def _slot_kind(self, slot: str) -> str | None:
        row = self._db.execute("SELECT kind FROM slots WHERE name = ?", (slot,)).fetchone()
        return None if row is None else row[0]

    def add_slot(self, slot: str, passphrase: str, kdf: keys.KdfParams = keys.DEFAULT_KDF
                 ) -> None:
        """Give another staff member their own passphrase (needs the queue unlocked)."""
        check_slot_name(slot)
        with self._lock:
            self._require_unlocked("adding a key slot")
            if self._slot_kind(slot) is not None:
                raise SlotExistsError(slot)
            with self._write() as tx:
                self._insert_slot(tx, slot, passphrase, kdf)
                self._audit(tx, "slot_add", {"slot": slot})

    def rotate_slot(self, slot: str, passphrase: str, kdf: keys.KdfParams = keys.DEFAULT_KDF
                    ) -> None:
        """Change a slot's passphrase (fresh salt, optionally new Argon2id cost)."""
        with self._lock:
            self._require_unlocked("changing a passphrase")
            if self._slot_kind(slot) != "passphrase":
                raise UnknownSlotError(slot)
            with self._write() as tx:
                self._insert_slot(tx, slot, passphrase, kdf)
                self._audit(tx, "slot_rotate", {"slot": slot})

    def remove_slot(self, slot: str) -> None:
        with self._lock:
            self._require_unlocked("removing a key slot")
            kind = self._slot_kind(slot)
            if kind is None:
                raise UnknownSlotError(slot)
            others = self._db.execute(
                "SELECT count(*) FROM slots WHERE name != ?", (slot,)).fetchone()[0]
            if others == 0 or (kind == "passphrase" and self.recovery_blob() is None and
                               self._db.execute("SELECT count(*) FROM slots WHERE name != ? "
                                                "AND kind = 'passphrase'", (slot,)
                                                ).fetchone()[0] == 0):
                raise LastSlotError(slot)
            with self._write() as tx:
                tx.execute("DELETE FROM slots WHERE name = ?", (slot,))
                self._audit(tx, "slot_remove", {"slot": slot})
