"""When local copies of personal data leave this laptop.

Why here and not in the queue: ``stationq`` knows how to remove expired local copies
(``Queue.purge``) but not what the station still needs. The station needs the latest
version of every open home-visit appointment — staff open it on the visit day,
possibly days after it was booked, offline — so it holds those versions
(``VisitStore.held_versions``) each time it purges; everything else goes once its
window (``StationConfig.retention_days``, default the end of the outing day) has
passed and the data is safe elsewhere (acknowledged by the centre, or sealed for it).

When: on the first unlock of each day (the day before is over, and a staff member
is there), when a new day's outing is started (the previous outing is closed by
then), and on ``station purge`` (a timer may run it; it needs no passphrase, as
it only removes what retention says must go). The day of the last purge is kept
in a small clear file (no personal data) so the many short ``station …`` commands
of a day do not purge again each time.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from stationq import Queue, Retention

from shared.errors import StationError
from shared.i18n import t
from station import paths
from station.cases.queue_open import translated
from station.private_files import write_private_text
from station.session import Session
from station.visits.store import VisitStore

log = logging.getLogger("station.retention")


@dataclass(frozen=True)
class PurgeSummary:
    """Counts only: what a purge did, for the CLI and the log."""

    local_removed: int  # local copies deleted
    tombstones: int  # synced versions that became tombstones (reports still count them)
    kept: int  # expired copies of open home visits kept
    local_days: int
    papers_removed: int = 0  # PDFs past the window deleted from the print folder
    requests_removed: int = 0  # handled visit requests whose sealed details were erased

    def message(self) -> str:
        window = (t("retention.window_day") if self.local_days == 0
                  else t("retention.window_days", days=self.local_days))
        return t("retention.purged", removed=self.local_removed, tombstones=self.tombstones,
                 kept=self.kept, window=window) + t(
            "retention.papers_removed", papers=self.papers_removed,
            requests=self.requests_removed)

    def to_dict(self) -> dict[str, int]:
        return {"local_removed": self.local_removed, "tombstones": self.tombstones,
                "kept": self.kept, "local_days": self.local_days,
                "papers_removed": self.papers_removed,
                "requests_removed": self.requests_removed}


def marker_file() -> Path:
    return paths.data_dir() / "last_purge.json"


def last_purge(path: Path | None = None) -> date | None:
    try:
        return date.fromisoformat(json.loads((path or marker_file()).read_text("utf-8"))["day"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None  # none yet, or unreadable: purging again is harmless


def due(today: date, path: Path | None = None) -> bool:
    """True unless a purge already ran today (a clock set back counts as due too)."""
    return last_purge(path) != today


def purge(queue: Queue, *, local_days: int, now: datetime,
          path: Path | None = None, print_folder: Path | None = None) -> PurgeSummary:
    """Purge with open appointments held, then papers and handled visit requests past the
    same window; then note the day. Works locked."""
    with translated():
        result = queue.purge(now, keep=VisitStore(queue).held_versions(),
                             retention=Retention(local_days))
    papers = purge_papers(print_folder or paths.print_dir(), cutoff(now, local_days))
    requests = _purge_requests()
    _mark(now.date(), path or marker_file())
    return PurgeSummary(result.local_removed, result.purged, result.kept, local_days,
                        papers, requests)


def cutoff(now: datetime, local_days: int) -> datetime:
    """Start of the local day ``local_days`` before ``now``'s: what was written before it
    is past the window (the queue's own rule, ``Queue.purge``)."""
    return datetime.combine(now.date() - timedelta(days=local_days), datetime.min.time())


def purge_papers(folder: Path, before: datetime) -> int:
    """Delete the PDFs (and half-written ``.part`` files) the PDF-folder printer left in
    ``folder`` before ``before`` — a withdrawn case's receipt included: a paper is a copy
    of a local record and goes with the same window. Returns how many went.

    Age is the file's modification time, which the station sets when it writes the
    paper; a paper is never needed back from the folder (a reprint renders afresh from
    the encrypted case while its local copy is held)."""
    if not folder.is_dir():
        return 0
    limit, removed = before.timestamp(), 0
    for one in folder.iterdir():
        if one.is_symlink() or not one.is_file():
            continue
        if not one.name.endswith((".pdf", ".part")):
            continue
        try:
            if one.stat().st_mtime < limit:
                one.unlink()
                removed += 1
        except OSError:
            continue  # gone meanwhile, or not ours: the next purge tries again
    return removed


def _purge_requests() -> int:
    """Erase the sealed details of visit requests already booked into the queue."""
    from station.sync.inbox import Inbox, inbox_file

    if not inbox_file().exists():
        return 0
    inbox = Inbox()
    try:
        return inbox.purge_handled()
    finally:
        inbox.close()


def _mark(day: date, path: Path) -> None:
    write_private_text(path, json.dumps({"day": day.isoformat()}))


class RetentionKeeper:
    """Purging for a session: on demand (``station purge``) and once a day on its own
    (the first unlock or outing of a day); works locked."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def purge_expired(self) -> PurgeSummary:
        """Remove local copies past the configured window (``retention_days``) whose data
        is safe elsewhere, holding open home visits; counts only. Audited by the queue."""
        s = self.session
        with s.lock:
            return purge(s.cases().queue, local_days=s.config().retention_days, now=s.now())

    def purge_if_due(self) -> None:
        """Once a day; a failure is logged (counts and keys only) and never blocks work."""
        if not due(self.session.today()):
            return
        try:
            summary = self.purge_expired()
        except StationError as err:
            log.warning("retention purge failed: %s", err.key)
            return
        log.info("retention purge: %s", summary.to_dict())
