"""Repair: the centre asks a station again for versions it lacks (issue 18, part 4).

Why in the pull answer: the station already checks every pull answer's signature and
nonce, so the request needs no channel of its own, and a station that syncs at all
gets it. The station answers seqs it has no copy of any more (past retention) in its
next pulse; they are kept, so reports name them instead of showing silent gaps and
the centre stops asking. Wire format: docs/sync-protocol.md, "Repair".
"""

from __future__ import annotations

from typing import Any

from center.validate import BadRequest
from shared.protocol import bounded_ranges, check_ranges


def request_for(store: Any, station_id: str, head_seq: int | None) -> dict[str, Any] | None:
    """The repair request for one pull answer, or None when nothing is lacking.

    Gaps below the highest seq held are asked for on every pull; after `center station
    repair` the next pull also asks for the tail up to the station's head seq (records
    deleted at the centre from the top). Bounded like the station checks it."""
    if head_seq is None:
        head_seq = store.pulse_head(station_id)
    if not head_seq:
        return None
    tail = store.repair_asked(station_id)
    lacking, _ = store.lacking(station_id, head_seq, tail)
    if tail:
        store.clear_repair_ask(station_id)
    ranges = bounded_ranges(lacking)
    if not ranges:
        return None
    return {"station_id": station_id, "ranges": [[lo, hi] for lo, hi in ranges]}


def past_retention(doc: dict[str, Any], head_seq: int) -> list[tuple[int, int]] | None:
    """A pulse's `past_retention` field (signed but untrusted): None when absent, else
    ranges checked as strictly as a repair request, within the station's head seq."""
    value = doc.get("past_retention")
    if value is None:
        return None
    try:
        return check_ranges(value, head_seq)
    except ValueError as err:
        raise BadRequest("bad_field", f"past_retention: {err}",
                         field="past_retention") from err
