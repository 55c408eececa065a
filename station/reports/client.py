"""`station report --reconcile`: ask the centre what it holds for the report's days.

Why a signed request like a push: the answer says which of *this* station's
records the centre holds, so only the enrolled station may ask (its Ed25519 key),
and the answer must come from the real centre (the pinned key signs it). The
request carries the station's own manifest, so the centre keeps the claim and its
report can name the same differing records.
"""

from __future__ import annotations

from typing import Any

from shared.protocol import RECONCILE_PATH
from shared.reports.reconcile import DayDiff
from station.reports.station import StationReport


def reconcile_request(report: StationReport, station_id: str, ts: int, nonce: str
                      ) -> dict[str, Any]:
    days = {d: [e.to_list() for e in report.manifests.get(d, [])] for d in report.days}
    return {"v": 1, "station_id": station_id, "ts": ts, "nonce": nonce, "days": days}


def reconcile(report: StationReport, queue: Any = None, client: Any = None) -> list[DayDiff]:
    """Send the manifests, get the centre's per-day comparison (raises `SyncFailed`)."""
    from shared.protocol import new_nonce
    from station.sync.client import SyncFailed
    from station.sync.factory import make_client

    own = client is None
    client = client or make_client(queue)
    try:
        doc = reconcile_request(report, client.pinned.station_id, client.clock(), new_nonce())
        doc["pulse"] = client.pulse()  # its head seq stamps the check (docs/reports.md)
        # The sync client's transport: signing, TLS pin and the answer's signature check.
        answer = client.post(RECONCILE_PATH, doc)
        try:
            return [DayDiff.from_dict(d) for d in answer["days"]]
        except (KeyError, TypeError, ValueError) as err:
            raise SyncFailed("bad_answer") from err
    finally:
        if own:
            client.close()
