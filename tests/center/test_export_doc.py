"""docs/export.md names every exported field and every code the catalogue can put in an export."""

from __future__ import annotations

from pathlib import Path

from center.export import CASE_COLUMNS, VERSION_COLUMNS
from station.catalogue.loader import load_catalogue

DOC = (Path(__file__).resolve().parents[2] / "docs" / "export.md").read_text("utf-8")


def test_every_column_and_code_is_documented() -> None:
    for column in (*CASE_COLUMNS, *VERSION_COLUMNS):
        assert column in DOC, column
    for m in load_catalogue():
        assert f"| {m.code} |" in DOC, m.code
        for f in m.fields:
            assert f"`{f.key}` | {f.label} | {f.type} |" in DOC, (m.code, f.key)
        for x in m.materials:
            assert f"`{x.code}` | {x.name} |" in DOC, (m.code, x.code)
