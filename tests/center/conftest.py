"""The centre suite shares the sync rig (real PostgreSQL, centre process, proxy)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))

from syncrig import backend, centre, db_url, postgres  # noqa: F401 - pytest fixtures
