"""A year's holiday calendar published at the centre reaches the station on its next pull
(real `center serve`, real sync client), and is checked again on arrival (issue 15)."""

from __future__ import annotations

import hashlib
import json
from datetime import date

from click.testing import CliRunner

from station.catalogue.calendar import Due, load_calendar
from station.cli import cli
from tests.sync.syncrig import Centre, client_for, make_station

D = date

# A calendar for 2027 in the format `center calendar publish` takes (docs/CONTRACTS.md). Its
# days are made up for the test (the statutory days plus a long 春节 and 国庆 week): it is
# not the State Council's 2027 notice, which this repository does not hold.
CALENDAR_2027 = """\
version = "test-2027.1"
year = 2027
notice = "测试用，非国务院办公厅通知"

[[periods]]
name = "元旦"
start = 2027-01-01
end = 2027-01-03

[[periods]]
name = "春节"
start = 2027-02-05
end = 2027-02-11
work = [2027-02-13]

[[periods]]
name = "清明节"
start = 2027-04-03
end = 2027-04-05

[[periods]]
name = "劳动节"
start = 2027-05-01
end = 2027-05-05

[[periods]]
name = "端午节"
start = 2027-06-09
end = 2027-06-09

[[periods]]
name = "中秋节"
start = 2027-09-15
end = 2027-09-15

[[periods]]
name = "国庆节"
start = 2027-10-01
end = 2027-10-07
work = [2027-10-09]
"""


def day_json(day: str) -> dict:
    out = CliRunner().invoke(cli, ["calendar", "day", day, "--json"], catch_exceptions=False)
    return json.loads(out.output)


def test_a_published_year_is_taken_on_the_next_pull(centre: Centre, tmp_path) -> None:
    queue = make_station(centre=centre)
    client = client_for(queue)
    assert load_calendar().due(D(2026, 12, 7), 20) == Due(D(2027, 1, 5), True)
    assert day_json("2027-02-10")["working_day"] is True  # not a statutory day

    # A file with a mistake is refused at the centre, with the field named; nothing is sent.
    bad = tmp_path / "bad.toml"
    bad.write_text(CALENDAR_2027.replace("start = 2027-06-09", "start = 2027-06-10")
                   .replace("end = 2027-06-09", "end = 2027-06-10"), encoding="utf-8")
    out = centre.cli("calendar", "publish", str(bad))
    assert out.returncode == 1 and "放假安排文件不能发布" in out.stderr and "端午节" in out.stderr
    assert "Traceback" not in out.stderr

    good = tmp_path / "calendar-2027.toml"
    good.write_text(CALENDAR_2027, encoding="utf-8")
    out = centre.cli("calendar", "publish", str(good))
    assert out.returncode == 0, out.stderr
    assert "2027" in out.stdout and "test-2027.1" in out.stdout

    state = client.run_once()
    assert state.last_error is None and state.pulled == 1
    assert client.inbox.calendars() == [(2027, "test-2027.1", True)]
    cal = load_calendar()
    assert cal.year(2027).source == "centre"
    assert cal.due(D(2026, 12, 7), 20) == Due(D(2027, 1, 5), False)
    assert day_json("2027-02-10") == {"date": "2027-02-10", "working_day": False,
                                      "estimated": False, "name": "春节"}
    assert day_json("2027-02-13")["working_day"] is True  # the swapped Saturday
    assert cal.due(D(2027, 2, 4), 1) == Due(D(2027, 2, 12), False)

    state = client.run_once()  # nothing new: nothing changes
    assert state.pulled == 0 and client.inbox.calendars() == [(2027, "test-2027.1", True)]
    client.close()


def test_a_bad_calendar_from_the_centre_is_refused_on_arrival(centre: Centre) -> None:
    """Signed is not sane: an update that skips the centre's check (here written straight
    into its database) is kept aside by the station, and the pull goes on."""
    queue = make_station(centre=centre)
    client = client_for(queue)
    store = centre.store()
    wrong_year = CALENDAR_2027.replace("year = 2027", "year = 2028")
    tampered = CALENDAR_2027.replace('name = "春节"', 'name = "春节\\u001b[2J"')
    for year, text, sha in [
        (2028, wrong_year, hashlib.sha256(wrong_year.encode()).hexdigest()),
        (2027, tampered, hashlib.sha256(tampered.encode()).hexdigest()),
        (2027, CALENDAR_2027, "0" * 64),  # content and digest disagree
        ("2027", CALENDAR_2027, hashlib.sha256(CALENDAR_2027.encode()).hexdigest()),
    ]:
        store.add_update(None, "calendar", {"uid": f"u{len(text)}{sha[:4]}", "year": year,
                                            "version": "x", "sha256": sha, "content": text,
                                            "at": "2026-12-07T10:00:00+08:00"})
    store.close()
    state = client.run_once()
    assert state.last_error is None and state.pulled == 4
    assert [installed for _, _, installed in client.inbox.calendars()] == [False] * 4
    assert load_calendar().year(2027).estimated and load_calendar().year(2028).estimated
    assert day_json("2027-01-01")["estimated"] is True
    client.close()
