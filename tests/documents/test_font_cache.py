"""The GB 2312 font cut is shared by every user of an install: install.sh builds it in
the shared folder, a user with a fresh HOME renders from it without cutting anything,
and a cut that must happen at first print announces itself before the long wait."""

from __future__ import annotations

import shutil

import pytest

from station import notices, paths
from station.documents import fonts, render_receipt
from station.documents.fonts import FontBook


@pytest.fixture
def shared_cut():
    """The install's shared cut (built once by install.sh, or here if this venv lacks it)."""
    return fonts.prepare_shared_cache()


def test_fresh_user_renders_from_the_shared_cut(shared_cut, tmp_path, monkeypatch):
    from tests.documents.samples import receipt_data

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "fresh-user-cache"))
    shared = tmp_path / "shared"
    shared.mkdir()
    shutil.copy(shared_cut, shared / shared_cut.name)
    shared.chmod(0o555)  # read-only for the user
    monkeypatch.setenv("STATION_FONT_CACHE", str(shared))
    heard: list[str] = []
    stop = notices.listen(heard.append)
    monkeypatch.setattr(fonts, "_BOOK", FontBook())
    try:
        assert render_receipt(receipt_data()).startswith(b"%PDF")
    finally:
        stop()
    assert heard == []  # nothing to wait for
    assert not paths.user_font_cache_dir().exists()  # nothing cut for this user
    assert fonts.cached_common_face(fonts.find_cjk_font()) == shared / shared_cut.name


def test_a_cut_in_the_users_cache_serves_when_the_shared_one_is_missing(shared_cut, tmp_path,
                                                                        monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("STATION_FONT_CACHE", str(tmp_path / "empty-shared"))
    mine = paths.user_font_cache_dir()
    mine.mkdir(parents=True)
    shutil.copy(shared_cut, mine / shared_cut.name)
    assert fonts.common_face(fonts.find_cjk_font()) == mine / shared_cut.name


class _Stop(Exception):
    pass


def test_a_cut_at_first_print_announces_itself_first(tmp_path, monkeypatch):
    from fontTools import subset

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("STATION_FONT_CACHE", str(tmp_path / "no-shared"))
    heard: list[str] = []

    def cut_begins(*_a, **_k):  # the many-seconds cut starts here: stop, nothing to wait for
        raise _Stop

    monkeypatch.setattr(subset.Subsetter, "subset", cut_begins)
    stop = notices.listen(heard.append)
    try:
        with pytest.raises(_Stop):
            fonts.common_face(fonts.find_cjk_font())
    finally:
        stop()
    assert heard and "首次" in heard[0]
