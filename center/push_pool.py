"""Push processes for `center serve --workers N`: one queue of pushes, N processes opening them.

Why not N uvicorn workers: each worker process accepts connections whether or not its
pushes are queued up, so one worker's line grows while the other's is empty, and a
batch's wait depends on which process happened to accept it (a 50-station fleet saw
batches answered in 0.02 s beside batches that waited 2.1 s at the same moment). Here
one server process reads every request and hands each push, whole and in arrival order,
to the first free push process: a single line, so every batch waits about as long as
the others. Pushes are CPU work (an X25519 exchange per record) and several in one
Python process only fight over the GIL, hence processes, each handling one at a time.

A push process has its own database connection and its own `Centre` (keys, station key
cache), built there by the function the server passes in (`center.app.push_process_centre`;
passed, not imported, so this module does not depend on the app that uses it); it takes
the raw request and gives back the signed answer or the refusal.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import multiprocessing
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from center.validate import BadRequest

log = logging.getLogger("center")

PR_SET_PDEATHSIG = 1  # linux/prctl.h
READY_TIMEOUT_S = 120



class PushHandler(Protocol):
    """What a push process runs each push through (`center.app.Centre`)."""

    def handle_push(self, path: str, raw: bytes, encoding: str, signature: str | None,
                    version: int) -> tuple[bytes, str]: ...


# A push process's own state, set by _start.
_centre: PushHandler | None = None
_ready: Any = None  # the start-up barrier (see _wait_ready)


def _die_with_parent() -> None:
    """A push process holds a database connection: it must not outlive a server that was
    killed outright (SIGKILL leaves no chance to shut the pool down)."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: shutdown still applies
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _start(opener: Callable[..., PushHandler], setup: tuple[Any, ...], ready: Any) -> None:
    global _centre, _ready
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    _centre = opener(*setup)
    _ready = ready


def _wait_ready() -> bool:
    """Each push process answers this once, at the barrier, so the server knows all of
    them are up (a process waiting here cannot take a second one)."""
    _ready.wait(READY_TIMEOUT_S)
    return True


def _push(path: str, raw: bytes, encoding: str, signature: str | None,
          version: int) -> tuple[bool, Any]:
    """(True, (answer, signature)) or (False, the refusal's fields): exceptions with
    keyword fields do not survive pickling as themselves."""
    assert _centre is not None
    try:
        return True, _centre.handle_push(path, raw, encoding, signature, version)
    except BadRequest as err:
        return False, (err.code, err.detail, err.status, err.extra)


class PushPool:
    """N push processes fed in arrival order; see the module's docstring."""

    def __init__(self, processes: int, opener: Callable[..., PushHandler], *setup: Any
                 ) -> None:
        """`opener(*setup)` builds each process's handler there: a module-level function
        and picklable arguments (the processes are spawned, not forked)."""
        self.processes = processes
        self._setup = (opener, setup)
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")  # no threads or sockets inherited
        ready = context.Barrier(self.processes)
        return ProcessPoolExecutor(self.processes, mp_context=context, initializer=_start,
                                   initargs=(*self._setup, ready))

    async def start(self) -> None:
        """Start every push process now and wait until each has its keys and database:
        the first batches should not wait for a process that is still starting."""
        self._pool = self._new_pool()
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self._pool, _wait_ready)
                               for _ in range(self.processes)))

    async def push(self, path: str, raw: bytes, encoding: str, signature: str | None,
                   version: int) -> tuple[bytes, str]:
        assert self._pool is not None, "PushPool.start() first"
        args = (path, raw, encoding, signature, version)
        pool = self._pool
        try:
            future = pool.submit(_push, *args)
        except BrokenProcessPool:  # found dead before this push: nothing of it was done
            pool = self._renew(pool)
            future = pool.submit(_push, *args)
        try:
            ok, out = await asyncio.wrap_future(future)
        except BrokenProcessPool as err:
            # A push process died under this push (killed, out of memory): it may or may
            # not be stored; the station sends it again, and the next pushes go to fresh
            # processes.
            self._renew(pool)
            raise BadRequest("push_interrupted", "the centre stopped while storing this"
                             " batch; send it again", 503) from err
        if not ok:
            code, detail, status, extra = out
            raise BadRequest(code, detail, status, **extra)
        return out

    def _renew(self, broken: ProcessPoolExecutor) -> ProcessPoolExecutor:
        """Fresh processes instead of a pool with a dead one (once, however many pushes
        saw it die)."""
        if self._pool is broken:
            log.error("a push process died; starting new ones")
            self._pool = self._new_pool()
            broken.shutdown(wait=False, cancel_futures=True)
        assert self._pool is not None
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
