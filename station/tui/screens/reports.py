"""The sync report on screen: the same figures as `station report`, with a bar chart.

Why block characters for the chart: Textual has no chart widget; a bar per group
drawn with ▏▎▍▌▋▊▉█ (shared.reports.charts) reads well in any terminal, and a
Sparkline shows the per-day trend. The report reads clear metadata only, so the
screen never shows a resident's name, ID number or phone.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Sparkline

from shared.i18n import t
from shared.reports.charts import text_chart
from shared.reports.document import cell_text
from shared.reports.figures import COLUMNS
from station.reports.service import PERIODS, reports_for
from station.reports.station import GROUPINGS
from station.tui.base import StationScreen
from station.tui.keys import Key
from station.tui.plain import DataTable, Static
from station.tui.widgets import KeyBar, StatusBar


class ReportsScreen(StationScreen):
    KEYS: ClassVar[list[Key]] = [
        Key("f7", "period", "reports.key.period"),
        Key("f8", "group", "reports.key.group"),
        Key("escape", "back", "reports.key.back", shown="Esc"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.period = "today"
        self.by = "day"
        self.report: Any = None

    def compose(self) -> ComposeResult:
        yield Static(t("reports.tui_title"), classes="title")
        yield StatusBar()
        yield Static("", id="period")
        with VerticalScroll(id="report-body"):
            yield Static("", id="facts")
            yield DataTable(id="groups", zebra_stripes=True, cursor_type="row")
            yield Static("", id="chart")
            yield Static(t("reports.chart_per_day"), id="trend-title")
            yield Sparkline([], id="trend")
        yield KeyBar(self.KEYS)

    def on_mount(self) -> None:
        self.load()
        self.query_one("#groups", DataTable).focus()

    def load(self) -> None:
        reports, today = reports_for(self.station.service), self.station.today()
        period, by = self.period, self.by
        self.station.background(lambda: reports.recent(period, today, by), self._show)

    def _show(self, report: Any) -> None:
        self.report = report
        if not self.is_attached:
            return
        doc = report.document()
        label = t(f"reports.tui_{self.period}")
        self.query_one("#period", Static).update(
            f"{label}  {doc.subtitle}  {t('reports.tui_by', by=t(f'reports.by_{self.by}'))}")
        self.query_one("#facts", Static).update(
            "\n".join(f"{k}：{v}" for k, v in doc.facts))
        table = self.query_one("#groups", DataTable)
        table.clear(columns=True)
        groups = doc.tables[0]
        table.add_columns(*groups.columns)
        for row in groups.rows:
            table.add_row(*(cell_text(c) for c in row))
        if not groups.rows:
            table.add_row(groups.empty, *[""] * (len(COLUMNS)))
        self.query_one("#chart", Static).update(text_chart(doc.charts[0], cols=30))
        self.query_one("#trend", Sparkline).data = [float(f.cases)
                                                    for f in report.days.values()]

    def action_period(self) -> None:
        names = list(PERIODS)
        self.period = names[(names.index(self.period) + 1) % len(names)]
        self.load()

    def action_group(self) -> None:
        self.by = GROUPINGS[(GROUPINGS.index(self.by) + 1) % len(GROUPINGS)]
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()
