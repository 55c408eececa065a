"""The centre's back office: case workers' inbox, case pages and actions, the access
records, and the residents' progress page (issue 21).

Why a package of its own beside the report pages: it shares their login, sessions,
throttle and security headers (center/reports/), but it is the only part of the
centre's web side that opens sealed records, so every such look goes through
`access.record` here.
"""
