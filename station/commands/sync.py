"""`station sync [--once]`: push what is waiting, pull what the centre sent."""

from __future__ import annotations

import threading

import click

from shared.echo import echo
from shared.i18n import t


def _report(state) -> None:
    if state.last_error and state.last_error_code not in ("rejected", "refused"):
        echo(t("sync.last_error", error=state.last_error), err=True)
        return
    echo(t("sync.run_done", pushed=state.pushed, pulled=state.pulled,
                 pending=state.pending))
    if state.repaired:
        echo(t("sync.run_repaired", n=state.repaired))
    if state.past_retention:
        echo(t("sync.run_past_retention", n=state.past_retention))
    if state.conflicts:
        echo(t("sync.run_conflicts", n=state.conflicts))
    if state.rejected:
        echo(t("sync.run_rejected", n=state.rejected), err=True)
    if state.refused:
        echo(state.last_error, err=True)


@click.command(name="sync", help=t("cli.help_sync"))
@click.option("--once", is_flag=True, help=t("cli.help_sync_once"))
@click.option("--interval", default=60.0, show_default=True, help=t("cli.help_sync_interval"))
def command(once: bool, interval: float) -> None:
    from station.sync.client import run_forever
    from station.sync.factory import make_client

    client = make_client()
    try:
        if once:
            state = client.run_once()
            _report(state)
            raise SystemExit(1 if state.last_error else 0)
        stop = threading.Event()
        try:
            run_forever(client, stop, interval_s=interval, on_state=_report)
        except KeyboardInterrupt:
            stop.set()
    finally:
        client.close()
