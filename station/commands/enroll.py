"""`station enroll URL CODE`: register this station at the district centre.

Why the order: the one-time code is used up by the centre the moment it answers, so
everything that could still fail here — which staff member, their passphrase, the
record store — is checked first; only then is the code sent. If something fails
after that (sealing the records), the message says the station *is* enrolled, so
nobody retries with a spent code.
"""

from __future__ import annotations

import os

import click

from shared.echo import echo
from shared.errors import StationError
from shared.i18n import t
from station import paths


def _slot(staff: str) -> str:
    """A staff name or id → the key slot id (the config knows the names)."""
    from station import config

    wanted = staff.strip()
    if config.exists():
        for member in config.load().staff:
            if wanted in (member.id, member.name):
                return member.id
    return wanted


def _unlocked_queue(staff: str):
    """The record store, unlocked by ``staff`` — before the code is spent."""
    from stationq import Queue
    from stationq import errors as qerr

    passphrase = os.environ.get("STATION_PASSPHRASE") or click.prompt(
        t("sync.passphrase_prompt"), hide_input=True)
    queue = Queue.open(paths.queue_file())
    try:
        queue.unlock(_slot(staff), passphrase)
    except qerr.UnknownSlotError:
        queue.close()
        raise StationError("sync.enrol_staff_unknown", staff=staff[:40]) from None
    except qerr.WrongPassphraseError as err:
        queue.close()
        raise StationError("sync.enrol_passphrase_wrong", failures=err.failures) from None
    except qerr.TooManyAttemptsError as err:
        queue.close()
        raise StationError("sync.enrol_paused", delay=int(err.retry_after + 0.999)) from None
    except BaseException:
        queue.close()
        raise
    return queue


@click.command(name="enroll", help=t("sync.help_enroll"))
@click.argument("url")
@click.argument("code")
@click.option("--hybrid", is_flag=True, help=t("sync.help_hybrid"))
@click.option("--fingerprint", default=None, help=t("sync.help_fingerprint"))
@click.option("--staff", default=None, metavar="NAME|ID", help=t("sync.help_enroll_staff"))
def command(url: str, code: str, hybrid: bool, fingerprint: str | None,
            staff: str | None) -> None:
    from station.sync.enrol import DEFAULT_SUITE, HYBRID_SUITE, enrol, seal_existing

    queue = None
    if paths.queue_file().exists() and staff is not None:
        queue = _unlocked_queue(staff)  # fails here, the code is still good
    try:
        done = enrol(url, code, suite=HYBRID_SUITE if hybrid else DEFAULT_SUITE,
                     expect_fingerprint=fingerprint)
        echo(t("sync.enrolled", name=done.name, station_id=done.pinned.station_id,
                     key_id=done.pinned.key_id))
        if done.pinned.tls_fingerprint:
            echo(t("sync.tls_pinned", fingerprint=done.pinned.tls_fingerprint))
        if queue is None:
            if paths.queue_file().exists():
                echo(t("sync.queue_locked"), err=True)
            return
        try:
            sealed = seal_existing(queue, done.pinned)
        except Exception as err:  # enrolled all the same: say so, the code is spent
            reason = err.message() if isinstance(err, StationError) else type(err).__name__
            raise StationError("sync.enrolled_seal_failed", reason=reason) from None
        echo(t("sync.queue_sealed", n=sealed))
        from station.sync.identity import protect_inbox_key

        protect_inbox_key(queue)  # the inbox key's private half: sealed under the data key
    finally:
        if queue is not None:
            queue.close()
