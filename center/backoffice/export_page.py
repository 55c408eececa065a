"""The web export: the same file `center case export` writes, as a download.

Why a POST with a reason: every case in the file is a look at personal data, so the
form asks why (recorded with each case in `access_log`, actor `web:<account>`), and
the CSRF token keeps another site from starting one. The file is built in memory by
center/export.py's one writer (`export_bytes`) and never lands on the centre's disk;
its name carries the start date and the time of the download, never a person's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from center.backoffice.pages import csrf, e, page
from center.export import FORMATS
from shared.i18n import t

EARLIEST = date(2000, 1, 1)
REASON_MAX = 200


class BadExport(ValueError):
    """A form value that does not do; `key` is its message in the catalogue."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class ExportAsk:
    since: date
    fmt: str
    reason: str

    @property
    def since_ms(self) -> int:
        """Local midnight of the start date, as `center case export --since` reads it."""
        return int(datetime.combine(self.since, time()).astimezone().timestamp() * 1000)

    def filename(self, now: datetime) -> str:
        return f"cases-since-{self.since:%Y%m%d}-at-{now:%Y%m%d-%H%M%S}.{self.fmt}"


def parse(form: dict[str, list[str]], today: date) -> ExportAsk:
    def one(key: str) -> str:
        return (form.get(key) or [""])[0].strip()

    try:
        since = date.fromisoformat(one("since")[:10])
    except ValueError as err:
        raise BadExport("office.export_bad_date") from err
    if since < EARLIEST:
        raise BadExport("office.export_bad_date")
    if since > today:
        raise BadExport("office.export_future")
    fmt = one("format")
    if fmt not in FORMATS:
        raise BadExport("office.export_bad_format")
    reason = " ".join(one("reason").split())[:REASON_MAX]
    if not reason:
        raise BadExport("office.export_no_reason")
    return ExportAsk(since, fmt, reason)


def form_html(token: str, nav_html: str, *, error: str = "", since: str = "",
              fmt: str = "csv", reason: str = "") -> str:
    title = t("office.export_title")
    body = [f"<h1>{e(title)}</h1>", f'<p>{e(t("office.export_help"))}</p>']
    if error:
        body.append(f'<p class="error" role="alert" id="export-error">{e(error)}</p>')
    described = ' aria-describedby="export-error"' if error else ""
    radios = "".join(
        f'<p><input type="radio" id="export-{f}" name="format" value="{f}"'
        f'{" checked" if f == fmt else ""}> <label for="export-{f}">'
        f'{e(t("office.export_format_" + f))}</label></p>' for f in FORMATS)
    body.append(
        f'<form method="post" action="/office/export"{described}>{csrf(token)}'
        f'<p><label for="export-since">{e(t("office.export_since"))}</label> '
        f'<input id="export-since" type="date" name="since" value="{e(since)}" required></p>'
        f'<fieldset><legend>{e(t("office.export_format"))}</legend>{radios}</fieldset>'
        f'<p><label for="export-reason">{e(t("office.export_reason"))}</label><br>'
        f'<textarea id="export-reason" name="reason" rows="2" required'
        f' maxlength="{REASON_MAX}">{e(reason)}</textarea></p>'
        f'<p><button type="submit">{e(t("office.export_go"))}</button></p></form>')
    return page(title, "".join(body), nav=nav_html)
