"""The station's retention: the configured window reaches the queue, the first unlock of
a day purges once, and ``station purge`` prints counts only. Real queue and crypto."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from stationq.sealing import X25519, generate_centre_keys

from shared.errors import StationError
from shared.i18n import t
from station import config, retention
from station.cli import cli
from tests.support.station import ELDER_ID, ELDER_NAME, PASS, full_mz01


def _enrol(service) -> None:
    """The queue side of enrolment: records get a sealed copy the centre could open."""
    service.session.cases().queue.set_centre_key(generate_centre_keys(X25519)[1])


def _acknowledge_all(service) -> None:
    queue = service.session.cases().queue
    queue.acknowledge(queue.pending())


def _purges(service) -> list:
    return [e for e in service.session.cases().queue.audit_entries() if e.event == "purge"]


def _set_window(days: int) -> None:
    cfg = config.load()
    cfg.retention_days = days
    config.save(cfg)


def test_the_configured_window_is_the_one_used(service, clock):
    _enrol(service)
    case = service.record_case(full_mz01(service)).case
    _acknowledge_all(service)
    _set_window(2)
    assert config.load().retention_days == 2  # written and read back

    clock.advance(days=2)
    summary = service.purge_expired()
    assert (summary.local_removed, summary.local_days) == (0, 2)
    assert service.open_case(case.case_no).resident.id.number == ELDER_ID
    assert _purges(service)[-1].fields["local_days"] == 2

    clock.advance(days=1)
    summary = service.purge_expired()
    assert (summary.local_removed, summary.tombstones) == (1, 1)
    with pytest.raises(StationError) as err:
        service.open_case(case.case_no)
    assert err.value.key == "retention.not_local"
    assert [c.case_no for c in service.today_cases(case.outing_date)] == [case.case_no]


def test_the_first_unlock_of_a_day_purges_once(service, clock):
    _enrol(service)
    case = service.record_case(full_mz01(service)).case
    _acknowledge_all(service)
    before = len(_purges(service))  # starting the outing already purged today (nothing)

    clock.advance(days=1)
    service.lock()
    service.unlock("s01", PASS)
    assert len(_purges(service)) == before + 1
    assert retention.last_purge() == clock().date()
    info = service.session.cases().queue.info(case.record_id)
    assert (info.state, info.has_local) == ("purged", False)

    service.lock()
    service.unlock("s01", PASS)
    service.start_outing("新成村", ["s01"])
    assert len(_purges(service)) == before + 1  # once a day, not once per unlock


def test_station_purge_prints_counts_only(service, clock):
    _enrol(service)
    clock.advance(days=-3)  # three days ago: one case acknowledged, one sealed, not sent
    service.start_outing("新成村", ["s01"])
    service.record_case(full_mz01(service))
    _acknowledge_all(service)
    service.record_case(full_mz01(service))
    service.close()  # the command opens the station on its own, with the wall clock

    result = CliRunner().invoke(cli, ["purge", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"local_removed": 2, "tombstones": 1, "kept": 0,
                                         "local_days": 0, "papers_removed": 0,
                                         "requests_removed": 0}
    result = CliRunner().invoke(cli, ["purge"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == t("retention.purged", removed=0, tombstones=0, kept=0,
                                      window=t("retention.window_day")) + t(
        "retention.papers_removed", papers=0, requests=0)
    for secret in (ELDER_ID, ELDER_NAME, "13812345678"):
        assert secret not in result.output


def test_a_bad_window_in_the_config_is_said_in_words(service):
    path = config.load()
    path.retention_days = 2
    config.save(path)
    from station import paths

    text = paths.config_file().read_text(encoding="utf-8")
    paths.config_file().write_text(text.replace("retention_days = 2", "retention_days = -1"),
                                   encoding="utf-8")
    with pytest.raises(StationError) as err:
        config.load()
    assert err.value.key == "retention.window_bad"
    result = CliRunner().invoke(cli, ["purge"])
    assert result.exit_code == 1 and "retention_days" in result.output
