"""Typed errors of the queue library.

Why English messages and a ``code``: the library knows nothing about the station's
message catalogue; maintainers read ``str(err)``, and the station core maps
``err.code`` (stable, machine-readable) to a translated message for staff.
Messages never contain payloads, passphrases or clear-metadata values, because
a value rejected as personal data must not leak through the error either.
"""

from __future__ import annotations


class QueueError(Exception):
    """Base class: everything the queue raises on purpose."""

    code = "queue.error"


class LockedError(QueueError):
    code = "queue.locked"

    def __init__(self, action: str) -> None:
        super().__init__(f"The queue is locked: {action} needs a staff member to unlock it first.")
        self.action = action


class UnknownSlotError(QueueError):
    code = "queue.unknown_slot"

    def __init__(self, slot: str) -> None:
        super().__init__(f"No key slot named {slot!r} exists in this queue.")
        self.slot = slot


class SlotExistsError(QueueError):
    code = "queue.slot_exists"

    def __init__(self, slot: str) -> None:
        super().__init__(f"A key slot named {slot!r} already exists; remove or rotate it instead.")
        self.slot = slot


class LastSlotError(QueueError):
    code = "queue.last_slot"

    def __init__(self, slot: str) -> None:
        super().__init__(
            f"Refusing to remove {slot!r}: it is the last passphrase slot and no recovery slot "
            "exists, so the local copies would become unreadable forever."
        )
        self.slot = slot


class WrongPassphraseError(QueueError):
    """The passphrase did not open the slot; wait ``retry_after`` seconds before the next try."""

    code = "queue.wrong_passphrase"

    def __init__(self, slot: str, failures: int, retry_after: float) -> None:
        super().__init__(
            f"Wrong passphrase for slot {slot!r} ({failures} failed attempts in a row); "
            f"next attempt allowed in {retry_after:.0f} s."
        )
        self.slot = slot
        self.failures = failures
        self.retry_after = retry_after


class TooManyAttemptsError(QueueError):
    """Unlocking is refused until the back-off after wrong passphrases has passed."""

    code = "queue.too_many_attempts"

    def __init__(self, failures: int, retry_after: float) -> None:
        super().__init__(
            f"Unlocking is paused after {failures} wrong passphrases; "
            f"try again in {retry_after:.0f} s."
        )
        self.failures = failures
        self.retry_after = retry_after


class WrongKeyError(QueueError):
    code = "queue.wrong_key"

    def __init__(self) -> None:
        super().__init__("The recovered data key does not belong to this queue.")


class NotFoundError(QueueError):
    code = "queue.not_found"

    def __init__(self, record_id: str, version: int | None = None) -> None:
        which = f"version {version} of " if version is not None else ""
        super().__init__(f"No {which}record {record_id} in this queue.")
        self.record_id = record_id
        self.version = version


class NotReadableError(QueueError):
    """The record exists but has no local copy to read (purged, or appended while locked)."""

    code = "queue.not_readable"

    def __init__(self, record_id: str, version: int, why: str) -> None:
        super().__init__(f"Record {record_id} version {version} has no local copy: {why}.")
        self.record_id = record_id
        self.version = version
        self.why = why


class DamagedRecordError(QueueError):
    code = "queue.damaged"

    def __init__(self, record_id: str, version: int) -> None:
        super().__init__(
            f"Record {record_id} version {version} failed authentication: its stored bytes "
            "were altered or damaged. Run verify() (on a station: `station verify`) for the "
            "full report."
        )
        self.record_id = record_id
        self.version = version


class ClearMetaError(QueueError):
    """A clear-metadata key is not allowed, or its value looks like personal data.

    The offending value is deliberately not part of the message.
    """

    code = "queue.clear_meta"

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"Clear metadata {key!r} rejected: {reason}.")
        self.key = key
        self.reason = reason


class InvalidArgumentError(QueueError):
    code = "queue.invalid_argument"


class StorageError(QueueError):
    """SQLite could not read or write the file: damaged, full disk, I/O error, busy too long.

    The failed call's transaction is rolled back; earlier commits are untouched by it.
    """

    code = "queue.storage"

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"The queue file could not be read or written ({detail}); this call changed "
            "nothing. Check the disk, then run verify() (on a station: `station verify`).")
        self.detail = detail


class SchemaError(QueueError):
    code = "queue.schema"


class CryptoError(QueueError):
    """A sealed blob or recovery slot could not be opened (wrong key, suite, binding or damage)."""

    code = "queue.crypto"
