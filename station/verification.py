"""`station verify` and doctor's quick form: what in the station's files cannot be trusted.

Why a module of its own: the queue library's ``verify()`` checks its file (AEAD tags
while unlocked, sealed-copy digests, the audit chain that binds each row's clear
metadata, states against the acknowledge/conflict events, the sequence); the station
adds its own files (owner-only modes) and turns every finding into words staff can act
on. Findings name a record by seq, id and version and say what is wrong — never a
metadata value, never personal data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from stationq import Queue

from shared.i18n import t
from station import paths
from station.private_files import too_open

# The queue's English problem texts (stationq/integrity.py) -> catalogue keys.
_PROBLEMS = (
    ("clear fields (metadata", "clear_altered"),
    ("marked acknowledged", "state_unacked"),
    ("marked as a conflict", "state_conflict"),
    ("local copy fails authentication", "local_altered"),
    ("local copy is under an unknown", "local_unknown_key"),
    ("sealed copy does not match", "sealed_altered"),
    ("sealed copy names an unknown", "sealed_suite"),
    ("no copy left", "no_copy"),
    ("not sealed although", "not_sealed"),
    ("unknown state", "unknown_state"),
    ("clear metadata", "meta_unreadable"),
    ("unreadable row", "meta_unreadable"),
)


# A record row's own chain entry: already named above as that record (clear_altered).
_RECORD_ENTRY = re.compile(r"audit entry \d+ \((append|amend)\) does not match the chain")


@dataclass(frozen=True)
class Finding:
    """One thing found: ``area`` record | sequence | audit | integrity | file."""

    area: str
    code: str
    detail: str  # the library's English text (no personal data) or a file path
    seq: int | None = None
    record_id: str | None = None
    version: int | None = None

    def words(self) -> str:
        if self.area == "record":
            return t(f"verify.{self.code}", seq=self.seq, record=self.record_id,
                     version=self.version, detail=self.detail)
        return t(f"verify.area_{self.area}", detail=self.detail)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Outcome:
    findings: tuple[Finding, ...]
    records_checked: int
    aead_checked: bool
    quick: bool

    @property
    def ok(self) -> bool:
        return not self.findings


def _code(problem: str) -> str:
    for prefix, code in _PROBLEMS:
        if problem.startswith(prefix):
            return code
    return "other"


def full(queue: Queue, files: list[Finding]) -> Outcome:
    """Everything the queue's ``verify()`` checks, plus ``files`` (``loose_files``)."""
    report = queue.verify()
    findings = [Finding("record", _code(p.problem), p.problem, p.seq, p.record_id, p.version)
                for p in report.records]
    named = any(f.code == "clear_altered" for f in findings)
    findings += [Finding(area, "", line) for area, lines in (
        ("integrity", report.integrity), ("sequence", report.sequence),
        ("audit", report.audit)) for line in lines
        if not (named and area == "audit" and _RECORD_ENTRY.search(line))]
    findings += files
    return Outcome(tuple(findings), report.records_checked, report.aead_checked, False)


def quick(queue: Queue, now: datetime, files: list[Finding], days: int = 2) -> Outcome:
    """The versions written in the last ``days`` days, each checked against its own audit
    entry and state (``Queue.damaged``), plus file modes: cheap enough for doctor."""
    since = (now - timedelta(days=days - 1)).date()
    infos = queue.list(since=since, all_versions=True)
    damaged = queue.damaged(infos)
    findings = [Finding("record", _code(problem), problem, info.seq, info.record_id,
                        info.version)
                for info in infos if (problem := damaged.get(info.key))]
    findings += files
    return Outcome(tuple(findings), len(infos), False, True)


def loose_files(folders: Iterable[Path] | None = None) -> list[Finding]:
    """Files and folders of the station others could read. Taken before the station opens
    its queue: opening tightens them (``Service._cases``), which would hide the finding."""
    folders = list(folders) if folders is not None else [
        paths.data_dir(), paths.config_dir(), paths.print_dir()]
    return [Finding("file", "too_open", str(path)) for path in too_open(folders)]
