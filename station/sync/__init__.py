"""The station side of the sync protocol (push sealed records, pull updates).

`run_sync_once()` is what the TUI worker and `station sync --once` call; see
docs/sync-protocol.md for the wire format and station/sync/client.py for why a
cut anywhere loses and doubles nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from station.sync.client import SyncClient, SyncFailed, SyncState, run_forever, status_words

__all__ = ["SyncClient", "SyncFailed", "SyncState", "make_client", "run_forever",
           "run_sync_once", "status_words"]


def make_client(queue: Any = None, *, inbox_path: Path | None = None, **options: Any
                ) -> SyncClient:
    """A client from the saved configuration; opens the queue (locked) if none is given."""
    from station import config, paths
    from station.sync.identity import load_keys, load_pinned
    from station.sync.inbox import Inbox

    cfg = config.load()
    pinned = load_pinned(cfg)
    keys = load_keys()
    if queue is None:
        from stationq import Queue

        queue = Queue.open(paths.queue_file())
    return SyncClient(queue, keys, pinned, Inbox(inbox_path), **options)


def run_sync_once(queue: Any = None, client: SyncClient | None = None) -> SyncState:
    """One push-then-pull run; the state says what happened, in words for the status bar."""
    own = client is None
    client = client or make_client(queue)
    try:
        return client.run_once()
    finally:
        if own:
            client.close()
