"""One passphrase attempt at a time per queue file, across threads and processes.

Why a file lock: the back-off after wrong passphrases is read before the Argon2id
work and written after it; attempts started together (several `station` commands,
a script) all read "no delay" and were all checked (issue 16). An exclusive
`flock(2)` on a file next to the queue makes each attempt wait for the previous one
to record its outcome, so the next one sees the delay. flock locks belong to an
open file description, so two threads of one process that each open the file
exclude each other too (Linux flock(2):
https://man7.org/linux/man-pages/man2/flock.2.html; Python `fcntl.flock`). The lock
is released by the kernel when the process dies, so a killed attempt blocks nothing.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def lock_path(queue_path: Path) -> Path:
    return queue_path.with_name(queue_path.name + ".unlock-lock")


@contextmanager
def unlock_turn(queue_path: Path) -> Iterator[None]:
    """Hold the queue's passphrase lock (blocking until earlier attempts are done)."""
    fd = os.open(lock_path(queue_path), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the last descriptor releases the lock
