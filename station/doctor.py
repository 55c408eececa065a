"""`station doctor`: what a street laptop needs, checked in words staff can act on.

Every check is independent and catches its own failures, so one broken part
(no CUPS, no pcscd) never hides what the others say.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from shared.i18n import t
from station import paths
from station.checks import Check

MIN_FREE_BYTES = 500 * 1024 * 1024


def check_python() -> Check:
    """Which interpreter runs the station: support needs to know which .venv is in use."""
    version = ".".join(map(str, sys.version_info[:3]))
    return Check("python", "ok", t("doctor.python_ok", version=version, path=sys.executable))


def _writable(folder: Path) -> bool:
    from station.private_files import private_dir

    try:
        private_dir(folder)  # the station's own folders: owner only
    except OSError:
        return False
    return os.access(folder, os.W_OK)


def check_paths() -> list[Check]:
    results = []
    for name, folder in (("data_dir", paths.data_dir()), ("config_dir", paths.config_dir()),
                         ("print_dir", paths.print_dir())):
        if _writable(folder):
            results.append(Check(name, "ok", t("doctor.path_ok", path=str(folder))))
        else:
            results.append(Check(name, "fail", t("doctor.path_unwritable", path=str(folder)),
                                 t("doctor.path_hint")))
    return results


def find_cjk_font() -> Path | None:
    """The Noto Sans CJK SC file fontconfig resolves, or None; fc-match is the system's answer."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        out = subprocess.run([fc_match, "-f", "%{file}", "Noto Sans CJK SC:lang=zh-cn"],
                             capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(out.strip()) if out.strip() else None
    if path and path.exists() and "cjk" in path.name.lower():
        return path
    return None


def check_font() -> Check:
    font = find_cjk_font()
    if font:
        return Check("cjk_font", "ok", t("doctor.font_ok", path=str(font)))
    return Check("cjk_font", "fail", t("doctor.font_missing"), t("doctor.font_hint"))


def check_coverage() -> list[Check]:
    """Which CJK extension blocks the documents can print, and from which faces: the same
    faces and order the renderer uses (``station.documents.fonts``)."""
    from station.documents.coverage import block_coverage, face_cmap, family_name, find_fallbacks
    from station.documents.fonts import FontMissing
    from station.documents.fonts import find_cjk_font as main_face

    faces: list[tuple[str, frozenset[int]]] = []
    try:
        main = main_face()
        faces.append((family_name(main.path, main.index), face_cmap(main.path, main.index)))
    except FontMissing:
        pass  # check_font says so
    fallbacks = find_fallbacks()
    faces += [(f.label, face_cmap(f.path, f.index)) for f in fallbacks]
    if fallbacks:
        results = [Check("cjk_fallback", "ok",
                         t("doctor.fallback_ok", faces="、".join(f.label for f in fallbacks)))]
    else:
        results = [Check("cjk_fallback", "warn", t("doctor.fallback_missing"),
                         t("doctor.fallback_hint"))]
    for cov in block_coverage(faces):
        by = "、".join(f"{label} {n}" for label, n in cov.by_face) or t("doctor.coverage_none")
        detail = t("doctor.coverage_line", block=t(f"doctor.block_{cov.block}"),
                   covered=cov.covered, assigned=cov.assigned, faces=by)
        if cov.covered == cov.assigned:
            results.append(Check(f"cjk_{cov.block}", "ok", detail))
        else:
            hint = t("doctor.coverage_gap_hint" if fallbacks else "doctor.fallback_hint")
            results.append(Check(f"cjk_{cov.block}", "warn", detail, hint))
    return results


def check_disk() -> Check:
    folder = paths.data_dir()
    probe = folder if folder.exists() else Path.home()
    free = shutil.disk_usage(probe).free
    free_mb = free // (1024 * 1024)
    if free >= MIN_FREE_BYTES:
        return Check("disk", "ok", t("doctor.disk_ok", free_mb=free_mb))
    return Check("disk", "warn", t("doctor.disk_low", free_mb=free_mb), t("doctor.disk_hint"))


def check_queue() -> Check:
    """The quick form of `station verify`: recent rows against their audit entries and
    states, and owner-only files. Works locked; counts only, no personal data."""
    from station import config

    if not paths.queue_file().exists() or not config.exists():
        return Check("queue_integrity", "ok", t("verify.doctor_none"))
    from station.service import open_service

    service = open_service()
    try:
        outcome = service.verify(quick=True)
    finally:
        service.close()
    if outcome.ok:
        return Check("queue_integrity", "ok",
                     t("verify.doctor_ok", records=outcome.records_checked))
    return Check("queue_integrity", "fail", t("verify.doctor_bad", n=len(outcome.findings)),
                 t("verify.doctor_hint"))


def _hardware() -> list[Check]:
    from station.hw.diagnostics import hardware_checks

    return hardware_checks()


def _calendar() -> Check:
    from station.catalogue.calendar import calendar_check

    return calendar_check()


def run_checks() -> list[Check]:
    steps: list[Callable[[], Check | list[Check]]] = [
        check_python, check_paths, check_font, check_coverage, check_disk, check_queue, _hardware,
        _calendar,
    ]
    results: list[Check] = []
    for step in steps:
        try:
            out = step()
        except Exception as err:
            results.append(Check(step.__name__.removeprefix("check_").strip("_"), "fail",
                                 t("doctor.check_crashed", error=type(err).__name__),
                                 t("doctor.check_crashed_hint")))
            continue
        results.extend(out if isinstance(out, list) else [out])
    return results
