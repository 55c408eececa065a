"""The read-only report pages `center serve` shows supervisors, behind a login.

Why read-only GET pages and one login form: supervisors only look; nothing on
these pages changes the store, so the only state is the signed session cookie
(SameSite=Strict, HttpOnly). Without a valid cookie every page answers with the
login form and no figure at all.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from center.reports import accounts
from center.reports.html import document_html, login_html, page
from station.i18n import t

COOKIE = "report_session"
MAX_FORM = 8 * 1024
DEFAULT_DAYS = 30


class ReportPages:
    def __init__(self, store: Any) -> None:
        self.store = store
        self._key: bytes | None = None

    async def key(self) -> bytes:
        if self._key is None:
            self._key = await run_in_threadpool(accounts.secret, self.store)
        return self._key

    async def user(self, request: Request) -> str | None:
        name = accounts.cookie_user(await self.key(), request.cookies.get(COOKIE))
        if name is None:
            return None
        # A removed account loses its pages at once, whatever cookie it still holds.
        return name if await run_in_threadpool(accounts.exists, self.store, name) else None

    # ------------------------------------------------------------------------ login
    async def login_form(self, request: Request) -> Response:
        return HTMLResponse(login_html(next_url=_safe_next(request.query_params.get("next"))))

    async def login(self, request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_FORM:
            return HTMLResponse(login_html(t("reports.web_login_failed")), status_code=413)
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        name, password = form.get("user", "")[:100], form.get("password", "")[:1000]
        next_url = _safe_next(form.get("next"))
        try:
            await run_in_threadpool(accounts.login, self.store, name, password)
        except accounts.Refused as err:
            words = (t("reports.web_too_many", seconds=err.retry_after) if err.retry_after
                     else t("reports.web_login_failed"))
            return HTMLResponse(login_html(words, next_url), status_code=401)
        resp = RedirectResponse(next_url, status_code=303)
        resp.set_cookie(COOKIE, accounts.make_cookie(await self.key(), name),
                        max_age=accounts.SESSION_S, path="/reports", httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")
        return resp

    async def logout(self, request: Request) -> Response:
        resp = RedirectResponse("/reports/login", status_code=303)
        resp.delete_cookie(COOKIE, path="/reports")
        return resp

    # ------------------------------------------------------------------------ pages
    async def overview(self, request: Request) -> Response:
        user = await self.user(request)
        if user is None:
            return _to_login(request)
        q = request.query_params
        today = date.today()
        try:
            hi = date.fromisoformat(q.get("to") or today.isoformat())
            lo = date.fromisoformat(q.get("from") or (hi - timedelta(DEFAULT_DAYS - 1)).isoformat())
        except ValueError:
            return _bad(t("reports.bad_date", value=(q.get("from") or q.get("to") or "")[:20]))
        if lo > hi:
            return _bad(t("reports.bad_range", start=lo.isoformat(), end=hi.isoformat()))
        return await self._render(user, lo, hi, q.get("station") or None, overview=True)

    async def day(self, request: Request) -> Response:
        user = await self.user(request)
        if user is None:
            return _to_login(request)
        try:
            day = date.fromisoformat(request.path_params["day"])
        except ValueError:
            return _bad(t("reports.bad_date", value=request.path_params["day"][:20]))
        return await self._render(user, day, day, request.query_params.get("station") or None,
                                  overview=False)

    async def pdf(self, request: Request) -> Response:
        user = await self.user(request)
        if user is None:
            return _to_login(request)
        q = request.query_params
        try:
            hi = date.fromisoformat(q.get("to") or date.today().isoformat())
            lo = date.fromisoformat(q.get("from") or hi.isoformat())
        except ValueError:
            return _bad(t("reports.bad_date", value=(q.get("from") or "")[:20]))
        from station.reports.pdf import render_pdf

        rep = await self._build(lo, hi, q.get("station") or None)
        if isinstance(rep, Response):
            return rep
        data = await run_in_threadpool(render_pdf, rep.document())
        return Response(data, media_type="application/pdf", headers={
            "content-disposition": f'inline; filename="report-{lo}-{hi}.pdf"'})

    async def _build(self, lo: date, hi: date, station: str | None) -> Any:
        from center.errors import CenterError
        from center.reports.report import build_centre_report

        try:
            return await run_in_threadpool(build_centre_report, self.store, date_from=lo,
                                           date_to=hi, station=station)
        except CenterError as err:
            return _bad(err.message(), status=404)

    async def _render(self, user: str, lo: date, hi: date, station: str | None,
                      overview: bool) -> Response:
        rep = await self._build(lo, hi, station)
        if isinstance(rep, Response):
            return rep
        doc = rep.document()
        links: dict[str, dict[int, str]] = {}
        if overview:
            ids = {name: sid for sid, name in rep.names.items()}
            links["station_days"] = {
                i: f"/reports/day/{r.day}?station={quote(ids.get(r.name, r.station_id))}"
                for i, r in enumerate(rep.rows)}
        stations = await run_in_threadpool(self.store.stations)
        body = _period_form(lo, hi, station, stations) + document_html(doc, links)
        pdf = "/reports/report.pdf?" + urlencode(
            {"from": lo.isoformat(), "to": hi.isoformat(), **({"station": station} if station
                                                                else {})})
        nav = (f'<nav><a href="/reports">{t("reports.web_overview")}</a>'
               f'<a href="{pdf}">PDF</a><span class="user">{_esc(user)}</span> '
               '<form method="post" action="/reports/logout">'
               f'<button type="submit">{t("reports.web_logout")}</button></form></nav>')
        title = doc.title if overview else f"{t('reports.web_day')} {lo.isoformat()}"
        return HTMLResponse(page(title, body, nav=nav),
                            headers={"cache-control": "no-store"})


def _esc(text: str) -> str:
    from html import escape

    return escape(text)


def _period_form(lo: date, hi: date, station: str | None,
                 stations: list[tuple[str, str, str]]) -> str:
    options = [f'<option value="">{_esc(t("reports.web_station_all"))}</option>']
    for sid, name, _status in stations:
        sel = " selected" if station in (sid, name) else ""
        options.append(f'<option value="{_esc(sid)}"{sel}>{_esc(name)}</option>')
    return ('<form class="period" method="get" action="/reports">'
            f'{_esc(t("reports.web_period"))} '
            f'<label>{_esc(t("reports.web_from"))} <input type="date" name="from"'
            f' value="{lo.isoformat()}"></label> '
            f'<label>{_esc(t("reports.web_to"))} <input type="date" name="to"'
            f' value="{hi.isoformat()}"></label> '
            f'<select name="station">{"".join(options)}</select> '
            f'<button type="submit">{_esc(t("reports.web_show"))}</button></form>')


def _safe_next(value: str | None) -> str:
    """Only our own pages: a login link must not bounce supervisors to another site."""
    if value and value.startswith("/reports") and "//" not in value and "\\" not in value:
        return value
    return "/reports"


def _to_login(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/reports/login?" + urlencode({"next": target}), status_code=303)


def _bad(words: str, status: int = 400) -> Response:
    return HTMLResponse(page(words, f'<p class="error">{_esc(words)}</p>'), status_code=status)


def routes(store: Any) -> list[Route]:
    pages = ReportPages(store)
    return [
        Route("/reports", pages.overview, methods=["GET"]),
        Route("/reports/login", pages.login_form, methods=["GET"]),
        Route("/reports/login", pages.login, methods=["POST"]),
        Route("/reports/logout", pages.logout, methods=["POST"]),
        Route("/reports/day/{day}", pages.day, methods=["GET"]),
        Route("/reports/report.pdf", pages.pdf, methods=["GET"]),
    ]
