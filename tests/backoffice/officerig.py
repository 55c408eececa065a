"""The back office's test rig: a centre process, accounts of each role, and a station
that records through its own Service (the desk's code path), syncs and amends."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import httpx

from tests.sync.syncrig import STAFF_PASS, Centre, make_centre_home, make_station

CASEWORKER = ("李办件", "case worker pass 1")
SUPERVISOR = ("王主管", "supervisor pass 1")
ADMIN = ("赵管理", "admin password 1")
RESIDENT = {"name": "钱秀英", "id": "310104195003071223", "phone": "13912345678",
            "address": "康健路88弄3号502室"}
TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


@contextmanager
def station_home(home: Path):
    old = os.environ.get("STATION_HOME")
    os.environ["STATION_HOME"] = str(home)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("STATION_HOME", None)
        else:
            os.environ["STATION_HOME"] = old


class Office:
    def __init__(self, root: Path, db_url: str | None) -> None:
        self.root = root
        self.centre = Centre(make_centre_home(root / "centre"), db_url)
        self.centre.start()
        for (name, password), role in ((CASEWORKER, "办件员"), (SUPERVISOR, "supervisor"),
                                       (ADMIN, "管理员")):
            out = self.centre.cli("user", "add", name, "--role", role, "--password-stdin",
                                  input=password + "\n")
            assert out.returncode == 0, out.stderr
        self.home = root / "station"
        with station_home(self.home):
            make_station("徐汇-01", self.centre).close()
            from station.commands._unlock import open_unlocked

            self.service = open_unlocked("s01", STAFF_PASS)
            self.service.start_outing("康健街道", ["s01"])

    @contextmanager
    def at_station(self):
        with station_home(self.home):
            yield self.service

    def record(self, delivery: str = "post"):
        """A 敬老卡申领 (MZ01) recorded at the desk with every required paper; synced."""
        from station.cases.model import CaseDraft

        with self.at_station() as s:
            draft = CaseDraft(resident=s.resident(RESIDENT["id"], RESIDENT["name"]),
                              matter="MZ01",
                              answers={"payout": "社保卡（敬老卡）", "phone": RESIDENT["phone"],
                                       "address": RESIDENT["address"]},
                              materials=frozenset({"id", "form"}), delivery=delivery)
            problems = s.validate(draft)
            assert not problems, problems
            case = s.record_case(draft).case
            assert s.sync_once() is None
            return s.open_case(case.case_no)

    def sync(self) -> None:
        with self.at_station() as s:
            assert s.sync_once() is None

    def store(self):
        return self.centre.store()

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.centre.url, follow_redirects=False, timeout=120)

    def login(self, http: httpx.Client, account: tuple[str, str]) -> httpx.Response:
        page = http.get("/reports/login")
        token = TOKEN.search(page.text).group(1)
        return http.post("/reports/login", data={"user": account[0], "password": account[1],
                                                  "csrf": token})

    def close(self) -> None:
        try:
            with station_home(self.home):
                self.service.close()
        finally:
            self.centre.stop()


def personal() -> list[str]:
    """What must never show on the progress page: the resident's name, ID number (whole,
    and its birth date part), phone."""
    return [RESIDENT["name"], RESIDENT["id"], RESIDENT["id"][6:14], RESIDENT["phone"],
            RESIDENT["address"]]


def today() -> date:
    return date.today()
