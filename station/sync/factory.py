"""The sync client built from the saved configuration: keys, pinned centre, inbox, queue.

Why apart from the package's `__init__`: importing `station.sync` (or its wire-level
modules) must not load httpx, the configuration and the inbox; only the station's
runtime (the service's sync loop, `station sync`, `station report --reconcile`) builds
a client, and it imports this module to do so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from station.sync.client import SyncClient


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
