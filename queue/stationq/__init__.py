"""stationq: the station's encrypted, crash-safe local queue (see README.md in this folder).

It stores record versions for any caller and knows nothing about matters or the UI.
"""

from stationq.clearmeta import DEFAULT_CLEAR_KEYS
from stationq.core import Queue, default_delay
from stationq.errors import QueueError
from stationq.keys import TEST_KDF, KdfParams
from stationq.model import (
    AuditEntry,
    Key,
    PurgeResult,
    ReadResult,
    RecordInfo,
    RecordProblem,
    ResendResult,
    Retention,
    SealedRecord,
    SlotInfo,
    Stats,
    VerifyReport,
)
from stationq.sealing import MLKEM768_X25519, X25519, CentreKey

__all__ = [
    "DEFAULT_CLEAR_KEYS",
    "MLKEM768_X25519",
    "TEST_KDF",
    "X25519",
    "AuditEntry",
    "CentreKey",
    "KdfParams",
    "Key",
    "PurgeResult",
    "Queue",
    "QueueError",
    "ReadResult",
    "RecordInfo",
    "RecordProblem",
    "ResendResult",
    "Retention",
    "SealedRecord",
    "SlotInfo",
    "Stats",
    "VerifyReport",
    "default_delay",
]
