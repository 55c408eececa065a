"""The station report for the TUI, through the service façade's queue and configuration.

Why a small wrapper: screens talk to the core through `station.service.Service`;
this gives them one call that builds the report from the same queue the service
opened (locked or not) and the same staff names, without touching payloads.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from station.reports.station import StationReport, build_station_report

PERIODS = {"today": 0, "week": 6, "month": 29}  # days before today included


class StationReports:
    def __init__(self, service: Any) -> None:
        self._svc = service

    def report(self, date_from: date, date_to: date, by: str = "day") -> StationReport:
        cfg = self._svc.session.config()
        queue = self._svc.session.cases().queue
        return build_station_report(queue, station_id=cfg.station_id, name=cfg.name,
                                    date_from=date_from, date_to=date_to, by=by,
                                    staff_names={s.id: s.name for s in cfg.staff})

    def recent(self, period: str, today: date, by: str = "day") -> StationReport:
        """`today` / `week` / `month`, ending with `today`."""
        return self.report(today - timedelta(days=PERIODS[period]), today, by)


def reports_for(service: Any) -> StationReports:
    return StationReports(service)
