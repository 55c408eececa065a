"""Sync reports for supervisors: what a station recorded and what reached the centre.

Why a package of its own: the station report, the centre report and the centre's
report pages all show the same figures, charts and reconciliation, in several
formats. Everything here is computed from clear metadata, queue states and
tombstones only — it works while the station is locked and can hold no personal
data, because none is ever read.

- `shared.reports.figures`   the counted figures of one group (cases, states, visits, ratings)
- `station.reports.station`   the station report, from the queue (`build_station_report`)
- `shared.reports.reconcile` per-day manifests of record versions and their comparison
- `shared.reports.document`  a report as titled tables and charts, shared by every format
- `shared.reports.formats`   table / CSV / JSON text
- `shared.reports.charts`    bar and line charts as text blocks and as SVG
- `shared.reports.period`    the `--date` / `--from` / `--to` period both CLIs take
- `shared.reports.output`    where a report goes (stdout, a file, a PDF) for both CLIs
- `station.reports.pdf`       the printed report, charts drawn with fpdf2 primitives (the
                              station's CJK fonts; the centre uses it, the shared package
                              is handed it)
"""
