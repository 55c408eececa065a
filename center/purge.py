"""Retention at the centre: a finished case's sealed copy goes, its clear record stays.

Why keep the clear record: reports count cases per station, day, matter and status from
the non-personal metadata alone, and sequence coverage must still prove that nothing went
missing. Why drop the sealed copy: once a case is 办结 and the period for queries has
passed, the centre has no reason to hold the resident's name and ID number any longer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

DAY_MS = 86_400_000


@dataclass(frozen=True)
class PurgeResult:
    cases: int
    versions: int


def purge_done(store: Any, *, after_days: int, dry_run: bool, actor: str,
               now_ms: int | None = None) -> PurgeResult:
    """Drop the sealed copies of cases 办结 more than `after_days` ago (each recorded
    in the access records with action "purge"); with `dry_run`, only count them."""
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    ids = store.purgeable_cases(now_ms - after_days * DAY_MS)
    if dry_run or not ids:
        if not dry_run:
            store.log_access(actor, "purge", [None], f"after_days={after_days} cases=0")
        return PurgeResult(len(ids), 0)
    versions = store.purge_sealed(ids, actor, f"after_days={after_days}")
    return PurgeResult(len(ids), versions)
