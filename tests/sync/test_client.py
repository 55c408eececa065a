"""The station's client: CLI commands, suites, batch sizing, back-off, status words."""

from __future__ import annotations

import json
import os
import random

from click.testing import CliRunner

from tests.sync.syncrig import (
    STAFF_PASS,
    Centre,
    add_cases,
    assert_exactly_once,
    client_for,
    make_station,
)


def test_enroll_and_sync_commands_seal_what_was_recorded_before(centre: Centre) -> None:
    from station.commands.enroll import command as enroll
    from station.commands.sync import command as sync

    queue = make_station()  # not enrolled yet: records wait unsealed
    add_cases(queue, 12)
    assert queue.pending(100) == []
    queue.close()
    runner = CliRunner()
    out = runner.invoke(enroll, [centre.url, centre.enrol_code("徐汇-01"), "--staff", "s01"],
                        env={"STATION_PASSPHRASE": STAFF_PASS})
    assert out.exit_code == 0, out.output
    assert "已在中心登记" in out.output and "12 条记录已封存" in out.output
    from station.sync.identity import keys_file

    assert "inbox" not in json.loads(keys_file().read_text())  # sealed under the data key
    out = runner.invoke(sync, ["--once"])
    assert out.exit_code == 0, out.output
    assert "上传 12 条" in out.output
    from stationq import Queue

    from station import paths

    queue = Queue.open(paths.queue_file())
    assert_exactly_once(centre, queue, 12)
    centre.stop()
    out = runner.invoke(sync, ["--once"])
    assert out.exit_code == 1 and "连不上中心" in out.output


def test_hybrid_post_quantum_suite(centre: Centre) -> None:
    from station.sync.enrol import HYBRID_SUITE

    queue = make_station(centre=centre, suite=HYBRID_SUITE)
    assert queue.centre_key.suite == HYBRID_SUITE
    add_cases(queue, 6)
    assert {r.suite for r in queue.pending(10)} == {HYBRID_SUITE}
    client = client_for(queue)
    assert client.run_once().last_error is None
    assert_exactly_once(centre, queue, 6)
    client.close()


def test_batch_size_adapts(centre: Centre) -> None:
    queue = make_station(centre=centre)
    add_cases(queue, 300)
    client = client_for(queue, batch_size=10, min_batch=5, target_batch_s=5.0)
    state = client.run_once()
    assert state.last_error is None and state.batch_size > 10  # quick batches grew
    assert len(client.batch_times) < 30
    client.close()
    add_cases(queue, 10, start=300)
    centre.stop()
    slow = client_for(queue, batch_size=64, min_batch=8)
    assert slow.run_once().last_error_code == "offline"
    assert slow.batch_size == 32  # a failed transfer halves it
    slow.close()
    centre.start()
    # A batch over 1.5 × the target halves the size (and one under it does not).
    tight = client_for(queue, batch_size=64, min_batch=8, target_batch_s=1e-6)
    tight._adapt(1.4e-6)
    assert tight.batch_size == 64
    # Growing takes two quick batches in a row (under half the target).
    tight._adapt(0.4e-6)
    assert tight.batch_size == 64  # one may just have been first in the centre's line
    tight._adapt(0.6e-6)
    tight._adapt(0.4e-6)
    assert tight.batch_size == 64  # not in a row
    tight._adapt(0.4e-6)
    assert tight.batch_size == 128
    tight._adapt(0.4e-6)
    assert tight.batch_size == 128  # the count starts again after growing
    tight.batch_size = 64
    assert tight.run_once().last_error is None
    assert tight.batch_size == 32 and len(tight.batch_times) == 1  # 10 records, one batch
    tight.close()


def test_backoff_has_jitter_and_a_cap() -> None:
    from station.sync.client import backoff_delays

    delays = backoff_delays(base_s=1.0, cap_s=20.0, rng=random.Random(7))
    seen = [next(delays) for _ in range(12)]
    assert all(0 <= d <= min(20.0, 2 ** n) for n, d in enumerate(seen))
    assert len(set(seen)) == len(seen)  # jittered, not lock-step
    assert max(seen[6:]) <= 20.0 and max(seen[6:]) > 4


def test_status_words_in_both_languages(centre: Centre) -> None:
    from shared.i18n import set_locale
    from station.sync.client import status_words

    queue = make_station(centre=centre)
    add_cases(queue, 2)
    client = client_for(queue)
    before = status_words(client.state)
    assert "尚未同步" in before
    state = client.run_once()
    assert "已连接中心" in status_words(state) and "待同步 0 条" in status_words(state)
    centre.stop()
    add_cases(queue, 1, start=2)
    state = client.run_once()
    words = status_words(state)
    assert "离线" in words and "待同步 1 条" in words and "连不上中心" in words
    set_locale("en")
    assert "Offline" in status_words(state) and "1 waiting" in status_words(state)
    client.close()
    assert os.environ["STATION_HOME"]


def test_ensure_centre_key_seals_after_an_enrolment_without_staff(centre: Centre) -> None:
    from station.sync.enrol import enrol, ensure_centre_key

    queue = make_station()
    add_cases(queue, 4)
    enrol(centre.url, centre.enrol_code("徐汇-01"))  # as `station enroll` without --staff
    assert queue.pending(10) == []
    queue.lock()
    assert ensure_centre_key(queue) == 0  # locked: nothing it can do yet
    queue.unlock("s01", STAFF_PASS)
    assert ensure_centre_key(queue) == 4
    assert ensure_centre_key(queue) == 0  # idempotent
    client = client_for(queue)
    assert client.run_once().last_error is None
    assert_exactly_once(centre, queue, 4)
    client.close()
