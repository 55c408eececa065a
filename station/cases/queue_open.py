"""How the station core opens the encrypted queue and hears its errors.

Why one module: cases (``station.cases.store``) and home visits (``station.visits.store``)
share one ``stationq.Queue``; they must open it with the same clock, turn its
typed errors into the same sentences, and read around local copies that retention
has removed in the same way. The queue's own English error texts carry no personal
data but are for maintainers; staff see the catalogue's sentences.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from stationq import Queue, ReadResult, RecordInfo, Retention
from stationq import errors as qerr
from stationq.keys import DEFAULT_KDF, KdfParams

from shared.errors import StationError
from station.errors import LockedError


@contextmanager
def translated() -> Iterator[None]:
    """Queue errors become sentences; their English text (no personal data) is not shown."""
    try:
        yield
    except qerr.LockedError:
        raise LockedError() from None
    except qerr.NotReadableError:
        raise StationError("retention.not_local") from None
    except qerr.QueueError as err:
        raise StationError("service.queue_error", code=err.code) from None


def queue_clock(clock: Callable[[], datetime]) -> Callable[[], float]:
    """The service's clock as the queue wants it (Unix seconds), so one clock drives
    record times, retention cut-offs and unlock back-offs — in tests as in the field."""
    return lambda: clock().timestamp()


def create_queue(path: Path, *, station_id: str, slot: str, passphrase: str, local_days: int,
                 clock: Callable[[], datetime], kdf: KdfParams = DEFAULT_KDF) -> Queue:
    """A new queue file, returned unlocked for its first staff slot (Argon2id at ``kdf``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with translated():
        return Queue.create(path, station_id=station_id, slot=slot, passphrase=passphrase,
                            retention=Retention(local_days), clock=queue_clock(clock), kdf=kdf)


def open_queue(path: Path, *, clock: Callable[[], datetime]) -> Queue:
    """The existing queue file, locked."""
    with translated():
        return Queue.open(path, clock=queue_clock(clock))


def with_local_copy(infos: Iterable[RecordInfo]) -> list[RecordInfo]:
    """The versions still readable here: retention removes local copies after their
    window (and a version recorded while locked never had one)."""
    return [info for info in infos if info.has_local]


def read_history(queue: Queue, record_id: str, latest: int) -> list[ReadResult]:
    """Versions 1..``latest`` that still have a local copy, oldest first. The latest must be
    readable (else ``retention.not_local``); earlier ones may be gone after retention."""
    with translated():
        infos = queue.history(record_id)
        out = [queue.read(record_id, i.version) for i in infos
               if i.version < latest and i.has_local]
        out.append(queue.read(record_id, latest))
    return out
