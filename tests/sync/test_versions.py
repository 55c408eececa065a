"""Push versions: v2 (binary bodies) by default, v1 still served, old centres still fed.

The old centre here is real: this repository's code from before push v2, exported with
`git archive` and run as `center serve` like any other centre in these tests.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

import httpx
import pytest

from shared.protocol import PUSH2_PATH
from tests.sync.syncrig import (
    ROOT,
    Centre,
    add_cases,
    assert_exactly_once,
    client_for,
    make_centre_home,
    make_station,
)

PRE_V2 = "f098d7c899e45b2b8a2cd6cded0f71ad288692b8"  # the last commit without /v2/push


class Paths(httpx.HTTPTransport):
    """Real HTTP; remembers the path of every request."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return super().handle_request(request)


def old_code(folder: Path) -> Path:
    found = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", PRE_V2 + "^{commit}"],
                           capture_output=True)
    if found.returncode != 0:
        pytest.skip("the pre-v2 commit is not in this clone")
    tar = subprocess.run(["git", "-C", str(ROOT), "archive", PRE_V2, "center", "station",
                          "queue"], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.extractall(folder, filter="data")
    return folder


@pytest.mark.daemon
def test_v2_station_falls_back_to_v1_at_an_older_centre(tmp_path) -> None:
    centre = Centre(make_centre_home(tmp_path / "centre"), None,
                    root=old_code(tmp_path / "old"))
    centre.start()
    try:
        assert_falls_back_to_v1(centre, Paths())
    finally:
        centre.stop()


def assert_falls_back_to_v1(centre: Centre, paths: Paths) -> None:
    queue = make_station(centre=centre)
    add_cases(queue, 30)
    client = client_for(queue, batch_size=10, max_batch=10, transport=paths)
    state = client.run_once()
    assert state.last_error is None, state.last_error
    assert state.pushed == 30 and client.push_version == 1
    # A v2 attempt (404) per batch already in flight (two), then every batch as v1,
    # the refused ones included.
    assert 1 <= paths.paths.count(PUSH2_PATH) <= 2
    assert paths.paths.count("/v1/push") == 3
    assert_exactly_once(centre, queue, 30)
    client.close()


class WithoutV2(Paths):
    """This centre as one from before v2 looks to a station: /v2/push is not found."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == PUSH2_PATH:
            self.paths.append(request.url.path)
            request.read()
            return httpx.Response(404, json={"detail": "Not Found"})
        return super().handle_request(request)


def test_v2_station_falls_back_to_v1_where_v2_is_not_found(centre: Centre) -> None:
    """The same fallback as above, on any clone: a shallow one lacks the old commit."""
    assert_falls_back_to_v1(centre, WithoutV2())


def test_this_centre_takes_v1_and_v2_pushes(centre: Centre) -> None:
    queue = make_station(centre=centre)
    add_cases(queue, 20)
    v1, v2 = Paths(), Paths()
    old = client_for(queue, batch_size=10, max_batch=10, transport=v1, push_version=1)
    assert old.run_once().pushed == 20
    add_cases(queue, 20, start=20)
    new = client_for(queue, batch_size=10, max_batch=10, transport=v2)
    state = new.run_once()
    assert state.last_error is None and state.pushed == 20 and new.push_version == 2
    assert set(p for p in v1.paths if "push" in p) == {"/v1/push"}
    assert set(p for p in v2.paths if "push" in p) == {PUSH2_PATH}
    assert_exactly_once(centre, queue, 40)
    old.close()
    new.close()
