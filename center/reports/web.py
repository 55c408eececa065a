"""The read-only report pages `center serve` shows supervisors, behind a login.

Why read-only GET pages and two POST forms: supervisors only look; nothing on these
pages changes the store. A login starts a server-side session (center/reports/
sessions.py); its cookie is HttpOnly, SameSite=Strict, Secure under TLS. Both forms
(login, logout) carry a CSRF token: the logout one is the session's own, the login
one an HMAC of a pre-login cookie (OWASP CSRF Prevention Cheat Sheet, "Signed Double-
Submit Cookie": https://cheatsheetseries.owasp.org/cheatsheets/
Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html). A form without a valid token
gets 403. Without a live session every page answers with the login form.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from center.reports import accounts, sessions
from center.reports.html import CSS, CSS_PATH, csrf_input, document_html, login_html, page
from shared.i18n import t

COOKIE = "report_session"
LOGIN_COOKIE = "report_login"
MAX_FORM = 8 * 1024
DEFAULT_DAYS = 30
HOME = {"supervisor": "/reports", "caseworker": "/office", "admin": "/admin"}


class ReportPages:
    def __init__(self, store: Any) -> None:
        self.store = store
        self._key: bytes | None = None

    async def key(self) -> bytes:
        if self._key is None:
            self._key = await run_in_threadpool(accounts.secret, self.store)
        return self._key

    async def session(self, request: Request) -> sessions.Session | None:
        return await run_in_threadpool(sessions.find, self.store, request.cookies.get(COOKIE))

    async def user(self, request: Request) -> str | None:
        found = await self.session(request)
        return None if found is None else found.name

    async def style(self, request: Request) -> Response:
        return Response(CSS, media_type="text/css", headers={"cache-control": "max-age=3600"})

    # ------------------------------------------------------------------------ login
    def _login_token(self, key: bytes, nonce: str) -> str:
        return hmac.new(key, b"login\x1f" + nonce.encode(), hashlib.sha256).hexdigest()

    async def _login_page(self, request: Request, error: str = "", next_url: str = "/reports",
                          status: int = 200) -> Response:
        nonce = request.cookies.get(LOGIN_COOKIE) or ""
        fresh = not (16 <= len(nonce) <= 64)
        if fresh:
            nonce = secrets.token_urlsafe(24)
        resp = HTMLResponse(login_html(self._login_token(await self.key(), nonce), error,
                                       next_url), status_code=status,
                            headers={"cache-control": "no-store"})
        if fresh:
            resp.set_cookie(LOGIN_COOKIE, nonce, path="/reports", httponly=True,
                            samesite="strict", secure=request.url.scheme == "https")
        return resp

    async def login_form(self, request: Request) -> Response:
        return await self._login_page(request,
                                      next_url=_safe_next(request.query_params.get("next")))

    async def _form(self, request: Request) -> dict[str, str] | None:
        body = await request.body()
        if len(body) > MAX_FORM:
            return None
        return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}

    async def login(self, request: Request) -> Response:
        form = await self._form(request)
        if form is None:
            return _bad(t("reports.web_login_failed"), status=413)
        nonce = request.cookies.get(LOGIN_COOKIE) or ""
        if not nonce or not hmac.compare_digest(
                form.get("csrf", ""), self._login_token(await self.key(), nonce)):
            return _forbidden()
        name, password = form.get("user", "")[:100], form.get("password", "")[:1000]
        next_url = _safe_next(form.get("next"))
        address = request.client.host if request.client else "unknown"
        try:
            await run_in_threadpool(accounts.login, self.store, name, password, address)
        except accounts.Refused as err:
            words = (t("reports.web_locked", seconds=err.retry_after)
                     if err.retry_after else t("reports.web_login_failed"))
            return await self._login_page(request, words, next_url,
                                          status=429 if err.retry_after else 401)
        await run_in_threadpool(sessions.prune, self.store)
        token = await run_in_threadpool(sessions.start, self.store, name)
        if next_url == "/reports":  # no page asked for: the role's own first page
            role = await run_in_threadpool(accounts.role_of, self.store, name)
            next_url = HOME.get(role or "", "/reports")
        resp = RedirectResponse(next_url, status_code=303)
        # Path "/": the back office (/office, /admin) shares this session (issue 21).
        resp.set_cookie(COOKIE, token, max_age=sessions.LIFETIME_S, path="/",
                        httponly=True, samesite="strict", secure=request.url.scheme == "https")
        resp.delete_cookie(LOGIN_COOKIE, path="/reports")
        return resp

    async def logout(self, request: Request) -> Response:
        found = await self.session(request)
        if found is None:
            return _to_login(request)
        form = await self._form(request)
        if form is None or not hmac.compare_digest(form.get("csrf", ""), found.csrf):
            return _forbidden()
        await run_in_threadpool(sessions.end, self.store, request.cookies.get(COOKIE))
        resp = RedirectResponse("/reports/login", status_code=303)
        resp.delete_cookie(COOKIE, path="/")
        return resp

    # ------------------------------------------------------------------------ pages
    async def overview(self, request: Request) -> Response:
        user = await self.session(request)
        if user is None:
            return _to_login(request)
        q = _query(request)
        if isinstance(q, Response):
            return q
        today = date.today()
        try:
            hi = date.fromisoformat(q.get("to") or today.isoformat())
            lo = date.fromisoformat(q.get("from") or (hi - timedelta(DEFAULT_DAYS - 1)).isoformat())
        except ValueError:
            return _bad(t("reports.bad_date", value=(q.get("from") or q.get("to") or "")[:20]))
        if lo > hi:
            return _bad(t("reports.bad_range", start=lo.isoformat(), end=hi.isoformat()))
        return await self._render(user, lo, hi, q, overview=True)

    async def day(self, request: Request) -> Response:
        user = await self.session(request)
        if user is None:
            return _to_login(request)
        q = _query(request, allowed=DAY_PARAMS)
        if isinstance(q, Response):
            return q
        try:
            day = date.fromisoformat(request.path_params["day"])
        except ValueError:
            return _bad(t("reports.bad_date", value=request.path_params["day"][:20]))
        return await self._render(user, day, day, q, overview=False)

    async def pdf(self, request: Request) -> Response:
        user = await self.user(request)
        if user is None:
            return _to_login(request)
        q = _query(request)
        if isinstance(q, Response):
            return q
        try:
            hi = date.fromisoformat(q.get("to") or date.today().isoformat())
            lo = date.fromisoformat(q.get("from") or hi.isoformat())
        except ValueError:
            return _bad(t("reports.bad_date", value=(q.get("from") or "")[:20]))
        from station.reports.pdf import render_pdf

        rep = await self._build(lo, hi, q)
        if isinstance(rep, Response):
            return rep
        data = await run_in_threadpool(render_pdf, rep.document(_is_detail(q, lo, hi)))
        return Response(data, media_type="application/pdf", headers={
            "content-disposition": f'inline; filename="report-{lo}-{hi}.pdf"'})

    async def _build(self, lo: date, hi: date, q: dict[str, str]) -> Any:
        from center.errors import CenterError
        from center.reports.report import build_centre_report

        try:
            return await run_in_threadpool(
                build_centre_report, self.store, date_from=lo, date_to=hi,
                station=q.get("station") or None, line=q.get("line") or None,
                matter=q.get("matter") or None, status=q.get("status") or None)
        except CenterError as err:
            return _bad(err.message(), status=404)

    async def _render(self, user: sessions.Session, lo: date, hi: date, q: dict[str, str],
                      overview: bool) -> Response:
        rep = await self._build(lo, hi, q)
        if isinstance(rep, Response):
            return rep
        detail = _is_detail(q, lo, hi)
        doc = rep.document(detail)
        period = {"from": lo.isoformat(), "to": hi.isoformat()}
        ids = {name: sid for sid, name in rep.names.items()}
        links: dict[str, dict[int, str]] = {}
        # the summary's stations lead to their detail, a detail's days to the day page
        for table in doc.lead:
            links[table.key] = {i: "/reports?" + urlencode(
                {**period, "station": ids.get(str(r[0]), str(r[0]))})
                for i, r in enumerate(table.rows) if str(r[0]) in ids}
        page_no = int(q.get("page") or 1)
        pages = _paginate(doc, page_no)
        if page_no > pages:
            return _bad(t("reports.web_bad_param", name="page", value=str(page_no)[:10]))
        if overview and detail:
            start = (page_no - 1) * PAGE_ROWS
            rows = rep.rows[start:start + PAGE_ROWS]
            links["station_days"] = {
                i: f"/reports/day/{r.day}?station={quote(ids.get(r.name, r.station_id))}"
                for i, r in enumerate(rows)}
        stations = await run_in_threadpool(self.store.stations)
        here = request_path(overview, lo)
        body = (_period_form(lo, hi, q, stations, overview) + _pager(here, q, page_no, pages)
                + document_html(doc, links) + _pager(here, q, page_no, pages))
        keep = {k: v for k, v in q.items() if k != "page" and v}
        pdf = "/reports/report.pdf?" + urlencode({**keep, **period})
        other = ({k: v for k, v in keep.items() if k != "detail"} if detail
                 else {**keep, "detail": "1"})
        switch = (f'<a href="/reports?{_esc(urlencode({**other, **period}))}">'
                  f'{_esc(t("reports.web_summary" if detail else "reports.web_detail"))}</a>')
        nav = (f'<nav><a href="/reports">{t("reports.web_overview")}</a>{switch}'
               f'<a href="{_esc(pdf)}">PDF</a><span class="user">{_esc(user.name)}</span> '
               f'<form method="post" action="/reports/logout">{csrf_input(user.csrf)}'
               f'<button type="submit">{t("reports.web_logout")}</button></form></nav>')
        title = doc.title if overview else f"{t('reports.web_day')} {lo.isoformat()}"
        return HTMLResponse(page(title, body, nav=nav),
                            headers={"cache-control": "no-store"})


PAGE_ROWS = 50  # rows of a long list per web page
PARAMS = frozenset({"from", "to", "station", "detail", "line", "matter", "status", "page"})
DAY_PARAMS = frozenset({"station", "line", "matter", "status", "page"})
MAX_PAGE = 100_000


def request_path(overview: bool, lo: date) -> str:
    return "/reports" if overview else f"/reports/day/{lo.isoformat()}"


def _is_detail(q: dict[str, str], lo: date, hi: date) -> bool:
    """One station or one day is itself the detail a supervisor clicked through to."""
    return q.get("detail") == "1" or bool(q.get("station")) or lo == hi


def _query(request: Request, allowed: frozenset[str] = PARAMS) -> dict[str, str] | Response:
    """The page's query parameters, each known, given once and well formed — else a 400.

    Why strict: a link is edited by hand or cut short in a mail; a silently ignored
    or half-read filter would show figures for something other than what was asked.
    """
    from center.reports.report import CENTRE_STATUSES
    from station.catalogue.loader import load_catalogue

    out: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name not in allowed or name in out or len(value) > 64:
            return _bad(t("reports.web_bad_param", name=name[:20], value=value[:20]))
        out[name] = value
    cat = load_catalogue()
    checks = {
        "detail": lambda v: v in ("", "1"),
        "line": lambda v: v == "" or v in {ln.prefix for ln in cat.lines},
        "matter": lambda v: v == "" or v in {m.code for m in cat},
        "status": lambda v: v == "" or v in CENTRE_STATUSES,
        "page": lambda v: v.isascii() and v.isdigit() and 1 <= int(v) <= MAX_PAGE,
    }
    for name, ok in checks.items():
        if name in out and not ok(out[name]):
            return _bad(t("reports.web_bad_param", name=name, value=out[name][:20]))
    return out


def _paginate(doc: Any, page_no: int) -> int:
    """Cut every long list of the page (tables, coverage strips) to one page; the count."""
    pages = 1
    start = (page_no - 1) * PAGE_ROWS
    for table in doc.tables:
        pages = max(pages, -(-len(table.rows) // PAGE_ROWS))
        table.rows = table.rows[start:start + PAGE_ROWS]
    for chart in doc.charts:
        if chart.kind == "coverage":
            pages = max(pages, -(-len(chart.labels) // PAGE_ROWS))
            sl = slice(start, start + PAGE_ROWS)
            chart.labels, chart.values = chart.labels[sl], chart.values[sl]
            chart.ranges, chart.totals = chart.ranges[sl], chart.totals[sl]
    return pages


def _pager(path: str, q: dict[str, str], page_no: int, pages: int) -> str:
    if pages <= 1:
        return ""
    keep = {k: v for k, v in q.items() if k != "page" and v}

    def link(n: int, words: str) -> str:
        return f'<a rel="{"prev" if n < page_no else "next"}" href="{_esc(path)}?' \
               f'{_esc(urlencode({**keep, "page": str(n)}))}">{_esc(words)}</a>'

    parts = [link(page_no - 1, t("reports.web_prev")) if page_no > 1 else "",
             _esc(t("reports.web_page", page=page_no, pages=pages)),
             link(page_no + 1, t("reports.web_next")) if page_no < pages else ""]
    return '<nav class="pager">' + " ".join(p for p in parts if p) + "</nav>"


def _esc(text: str) -> str:
    from html import escape

    return escape(text)


def _period_form(lo: date, hi: date, q: dict[str, str],
                 stations: list[tuple[str, str, str]], overview: bool) -> str:
    from center.reports.report import CENTRE_STATUSES
    from station.catalogue.loader import load_catalogue

    cat = load_catalogue()

    def select(name: str, everything: str, choices: list[tuple[str, str]],
               current: str | None = None) -> str:
        current = q.get(name) if current is None else current
        opts = [f'<option value="">{_esc(everything)}</option>']
        for value, label in choices:
            sel = " selected" if current == value else ""
            opts.append(f'<option value="{_esc(value)}"{sel}>{_esc(label)}</option>')
        return f'<select name="{name}">{"".join(opts)}</select> '

    station = q.get("station")
    station_opts = [(sid, name) for sid, name, _status in stations]
    if station and station not in {s for s, _ in station_opts}:  # given by name
        station = next((s for s, n in station_opts if n == station), station)
    filters = select("station", t("reports.web_station_all"), station_opts, station or "")
    filters += (select("line", t("reports.web_line_all"),
                       [(ln.prefix, f"{ln.prefix} {ln.name}") for ln in cat.lines])
                + select("matter", t("reports.web_matter_all"),
                         [(m.code, f"{m.code} {m.name}") for m in cat])
                + select("status", t("reports.web_status_all"),
                         [(s, t(f"reports.col_{s}")) for s in CENTRE_STATUSES]))
    detail = ('<input type="hidden" name="detail" value="1">' if q.get("detail") == "1"
              else "")
    dates = (f'{_esc(t("reports.web_period"))} '
             f'<label>{_esc(t("reports.web_from"))} <input type="date" name="from"'
             f' value="{lo.isoformat()}"></label> '
             f'<label>{_esc(t("reports.web_to"))} <input type="date" name="to"'
             f' value="{hi.isoformat()}"></label> ') if overview else ""
    action = "/reports" if overview else f"/reports/day/{lo.isoformat()}"
    return (f'<form class="period" method="get" action="{action}">{dates}{filters}{detail}'
            f'<button type="submit">{_esc(t("reports.web_show"))}</button></form>')


def _safe_next(value: str | None) -> str:
    """Only our own pages: a login link must not bounce supervisors to another site."""
    if (value and value.startswith(("/reports", "/office", "/admin")) and "//" not in value
            and "\\" not in value):
        return value
    return "/reports"


def _to_login(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/reports/login?" + urlencode({"next": target}), status_code=303)


def _forbidden() -> Response:
    words = t("reports.web_csrf")
    return HTMLResponse(page(words, f'<p class="error">{_esc(words)}</p>'), status_code=403,
                        headers={"cache-control": "no-store"})


def _bad(words: str, status: int = 400) -> Response:
    return HTMLResponse(page(words, f'<p class="error">{_esc(words)}</p>'), status_code=status)


def routes(store: Any) -> list[Route]:
    pages = ReportPages(store)
    return [
        Route("/reports", pages.overview, methods=["GET"]),
        Route(CSS_PATH, pages.style, methods=["GET"]),
        Route("/reports/login", pages.login_form, methods=["GET"]),
        Route("/reports/login", pages.login, methods=["POST"]),
        Route("/reports/logout", pages.logout, methods=["POST"]),
        Route("/reports/day/{day}", pages.day, methods=["GET"]),
        Route("/reports/report.pdf", pages.pdf, methods=["GET"]),
    ]
