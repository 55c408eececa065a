"""The layering rules hold: `lint-imports` checks each contract of .importlinter.

Why one test per contract: a broken contract names itself in the test id, and one that
is broken (a cycle someone is still untangling) does not hide the state of the others.
Why one `lint-imports` run for all of them: building the import graph is most of its
cost, and a run reports every contract by name, kept or broken.
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".importlinter"
PREFIX = "importlinter:contract:"


def _parser() -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(CONFIG, encoding="utf-8")
    return parser


def _contracts() -> list[str]:
    return [s.removeprefix(PREFIX) for s in _parser().sections() if s.startswith(PREFIX)]


def _lint_imports() -> list[str]:
    tool = Path(sys.executable).with_name("lint-imports")
    return [str(tool)] if tool.exists() else [shutil.which("lint-imports") or "lint-imports"]


def test_the_rules_of_the_issue_are_contracts():
    """The contracts issue 19 asks for are there (a deleted one would pass silently)."""
    assert {"station-layers", "station-core-no-textual", "stationq-alone",
            "shared-below-both", "station-without-centre", "centre-without-station-runtime",
            "station-acyclic"} <= set(_contracts())


@pytest.fixture(scope="module")
def lint_report() -> str:
    result = subprocess.run([*_lint_imports(), "--no-cache", "--no-logo", str(CONFIG)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    return result.stdout + result.stderr


@pytest.mark.parametrize("contract", _contracts())
def test_contract_is_kept(contract: str, lint_report: str):
    name = _parser()[PREFIX + contract]["name"]
    verdicts = [line.removeprefix(name).split()[0] for line in lint_report.splitlines()
                if line.startswith(name + " ")]
    assert verdicts == ["KEPT"], lint_report
