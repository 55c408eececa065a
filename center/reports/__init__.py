"""Centre reports for supervisors: per station and day, coverage, conflicts, overdue cases.

- `center.reports.data`     reads the sync store's tables; keeps the reports' own tables
- `center.reports.report`   the centre report (`build_centre_report`) and its document
- `center.reports.cli`      `center report` (and `center report supervisor …`)
- `center.reports.web`      the read-only report pages served by `center serve`, behind a login
- `center.reports.accounts` supervisor accounts (Argon2id) and signed session cookies
- `center.reports.reconcile_api` the signed endpoint stations check their days against
"""
