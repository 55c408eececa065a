"""The published OpenAPI document is as strict as the centre: schemathesis (an outside
tool that reads /openapi.json) generates requests valid by the document, and none of
them may be refused for its shape (`positive_data_acceptance`: only the signature, the
one-time code, the clock or a replay may refuse it) nor get a 5xx; schemathesis' other
default checks (status codes and answers as documented, malformed data refused) run too.

/v2/push is left out of the positive check only: its body is a binary frame (magic,
length, deflated JSON header, blobs; docs/sync-protocol.md) that JSON Schema cannot
describe, so a generated body is never a frame. Its refusals are fuzzed in
tests/center/test_fuzz.py, and every other check still runs on it here.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("schemathesis", reason="schemathesis not installed (pip install -e '.[dev]')")

CONFIG = """
[[operations]]
include-path = "/v2/push"
checks.positive_data_acceptance.enabled = false
"""


def test_schema_valid_requests_are_never_refused_for_their_shape(centre, tmp_path) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG, encoding="utf-8")
    cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert cli is not None
    out = subprocess.run(
        [cli, "--no-color", "--config-file", str(config), "run", centre.url + "/openapi.json",
         "-n", "40", "--seed", "16", "--phases", "examples,coverage,fuzzing"],
        capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-2000:]
    assert "Schema-valid request rejected" not in out.stdout
