"""`station enroll URL CODE`: register this station at the district centre."""

from __future__ import annotations

import os

import click

from station import paths
from station.commands._echo import echo
from station.i18n import t


@click.command(name="enroll", help="Enrol this station at the centre / 在中心登记本机.")
@click.argument("url")
@click.argument("code")
@click.option("--hybrid", is_flag=True,
              help="Seal with ML-KEM-768+X25519 (post-quantum hybrid) instead of X25519.")
@click.option("--fingerprint", default=None,
              help="Expected SHA-256 fingerprint of the centre's TLS certificate.")
@click.option("--staff", default=None,
              help="Staff id to unlock the record store with, so existing records get sealed.")
def command(url: str, code: str, hybrid: bool, fingerprint: str | None,
            staff: str | None) -> None:
    from station.sync.enrol import DEFAULT_SUITE, HYBRID_SUITE, enrol, seal_existing

    done = enrol(url, code, suite=HYBRID_SUITE if hybrid else DEFAULT_SUITE,
                 expect_fingerprint=fingerprint)
    echo(t("sync.enrolled", name=done.name, station_id=done.pinned.station_id,
                 key_id=done.pinned.key_id))
    if done.pinned.tls_fingerprint:
        echo(t("sync.tls_pinned", fingerprint=done.pinned.tls_fingerprint))
    if not paths.queue_file().exists():
        return
    from stationq import Queue

    queue = Queue.open(paths.queue_file())
    try:
        if staff is None:
            echo(t("sync.queue_locked"), err=True)
            return
        passphrase = os.environ.get("STATION_PASSPHRASE") or click.prompt(
            t("sync.passphrase_prompt"), hide_input=True)
        queue.unlock(staff, passphrase)
        echo(t("sync.queue_sealed", n=seal_existing(queue, done.pinned)))
        from station.sync.identity import protect_inbox_key

        protect_inbox_key(queue)  # the inbox key's private half: sealed under the data key
    finally:
        queue.close()
