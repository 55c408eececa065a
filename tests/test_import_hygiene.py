"""The queue folder must never shadow the standard library, and the core must never need a UI."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import station

ROOT = Path(__file__).resolve().parent.parent
STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()


def _is_stdlib(path: str) -> bool:
    return Path(path).resolve().is_relative_to(STDLIB)


def test_no_init_file_in_queue_folder():
    assert not (ROOT / "queue" / "__init__.py").exists()


def test_import_queue_under_pytest_is_stdlib():
    import queue

    assert _is_stdlib(queue.__file__)
    assert hasattr(queue, "SimpleQueue")


def test_import_queue_from_repository_root_is_stdlib():
    out = subprocess.run([sys.executable, "-c", "import queue; print(queue.__file__)"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    assert _is_stdlib(out), out


def test_installed_package_keeps_stdlib_queue(tmp_path):
    code = ("import queue, stationq, station, center; "
            "print(queue.__file__); print(stationq.__file__)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                         capture_output=True, text=True, check=True).stdout.split("\n")
    assert _is_stdlib(out[0]), out
    assert "stationq" in out[1]


def _core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(station.__path__, "station."):
        if info.name.startswith("station.tui"):
            continue
        names.append(info.name)
    return names


def test_core_queue_and_centre_import_no_textual():
    modules = [*_core_modules(), "stationq", "center"]
    code = ("import importlib, sys\n"
            f"for name in {modules!r}:\n"
            "    importlib.import_module(name)\n"
            "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
            "print(','.join(bad))\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "queue")]))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"core modules pulled in Textual: {out}"
