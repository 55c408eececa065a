from __future__ import annotations

from datetime import date

import pytest

from shared.errors import StationError
from station import config, outing, paths


def test_config_round_trip_keeps_other_parts_tables():
    cfg = config.StationConfig(station_id=config.new_station_id(), name="测试 \"厅\"",
                               sites=["新成村", "嘉乐"],
                               staff=[config.StaffEntry("s01", "王芳")])
    cfg.extra["sync"] = {"interval_s": 30, "backoff": [1, 2, 4], "verify_tls": True}
    config.save(cfg)
    loaded = config.load()
    assert loaded == cfg
    assert loaded.station_id.isalpha() and len(loaded.station_id) == 6
    assert paths.config_file().is_file()


def test_next_staff_id_fills_gaps():
    cfg = config.StationConfig("ABCDEF", "x", ["a"], [config.StaffEntry("s01", "a"),
                                                       config.StaffEntry("s03", "b")])
    assert cfg.next_staff_id() == "s02"


def test_missing_and_broken_config_are_sentences():
    with pytest.raises(StationError) as err:
        config.load()
    assert err.value.key == "service.not_initialised"
    paths.config_file().parent.mkdir(parents=True)
    paths.config_file().write_text("[station\nname=", encoding="utf-8")
    with pytest.raises(StationError) as err:
        config.load()
    assert err.value.key == "service.config_broken"


def test_outing_is_only_current_on_its_day():
    day = date(2026, 11, 22)
    chosen = outing.start(day, " 新成村 ", ["s01", "s02", "s01"], ["s01", "s02"])
    assert chosen == outing.Outing(day, "新成村", ("s01", "s02"))
    assert outing.current(day) == chosen
    assert outing.current(date(2026, 11, 23)) is None


@pytest.mark.parametrize(("site", "staff", "key"), [
    ("", ["s01"], "service.site_empty"),
    ("新成村", [], "service.no_staff_on_duty"),
    ("新成村", ["s09"], "service.staff_unknown"),
])
def test_outing_rejects_bad_choices(site, staff, key):
    with pytest.raises(StationError) as err:
        outing.start(date(2026, 11, 22), site, staff, ["s01"])
    assert err.value.key == key
    assert outing.current(date(2026, 11, 22)) is None
