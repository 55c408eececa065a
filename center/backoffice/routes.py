"""The back office's routes in the centre's app.

Why every page checks the role itself: the login, the session rows and the CSRF
tokens are the report pages' (center/reports/web.py, sessions.py); what a session
may open depends on its account's role (center/reports/accounts.py). No session:
the login form. A session of the wrong role: 403, and nothing is opened.

Why cases are addressed by record id: a URL lands in logs, proxies and browser
history, so it never carries a name, an ID number or a phone; the phone lookup that
needs the last digits of an ID number is a POST form. The log lines here name record
ids and codes only.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from center.backoffice import access, actions, export_page, inbox, pages, progress
from center.errors import CenterError
from center.reports import sessions
from center.reports.web import COOKIE, MAX_FORM
from shared.i18n import t

log = logging.getLogger("center.backoffice")
RECORD_ID = re.compile(r"^[A-Za-z0-9-]{8,80}$")
CASE_NO = re.compile(r"^[A-Za-z0-9#-]{1,40}$")
ID4 = re.compile(r"^[0-9Xx]{4}$")
NO_STORE = {"cache-control": "no-store"}
ACCESS_DAYS = 30


class Office:
    def __init__(self, store: Any, keys: Any) -> None:
        self.store = store
        self.keys = keys
        self.q_throttle = progress.Throttle()
        # A case number is guessable; the last four of an ID number are 11,000 tries:
        # a case worker gets a few wrong answers per window, as the /q/ page does.
        self.lookup_throttle = progress.Throttle(misses=10, requests=300)

    # ------------------------------------------------------------------------ helpers
    async def _session(self, request: Request) -> sessions.Session | None:
        return await run_in_threadpool(sessions.find, self.store, request.cookies.get(COOKIE))

    async def _require(self, request: Request, *roles: str
                       ) -> sessions.Session | Response:
        found = await self._session(request)
        if found is None:
            from center.reports.web import _to_login

            return _to_login(request)
        if found.role not in roles:
            words = t("office.forbidden")
            return HTMLResponse(pages.message(words, words, nav_html=self._nav(found)),
                                status_code=403, headers=NO_STORE)
        return found

    def _nav(self, s: sessions.Session) -> str:
        return pages.nav(s.name, s.role, s.csrf)

    async def _form(self, request: Request) -> dict[str, list[str]] | None:
        body = await request.body()
        if len(body) > MAX_FORM:
            return None
        return parse_qs(body.decode("utf-8", "replace"))

    @staticmethod
    def _one(form: dict[str, list[str]], key: str) -> str:
        values = form.get(key) or [""]
        return values[0]

    def _csrf_ok(self, s: sessions.Session, form: dict[str, list[str]] | None) -> bool:
        return form is not None and hmac.compare_digest(self._one(form, "csrf"), s.csrf)

    async def _posted(self, request: Request, *roles: str
                      ) -> tuple[sessions.Session, dict[str, list[str]]] | Response:
        """A form sent by a session of one of `roles` with its CSRF token, or the answer
        to send instead (login, 403)."""
        s = await self._require(request, *roles)
        if isinstance(s, Response):
            return s
        form = await self._form(request)
        if form is None or not self._csrf_ok(s, form):
            return self._forbidden_form(s)
        return s, form

    def _forbidden_form(self, s: sessions.Session) -> Response:
        words = t("reports.web_csrf")
        return HTMLResponse(pages.message(words, words, nav_html=self._nav(s)),
                            status_code=403, headers=NO_STORE)

    async def style(self, request: Request) -> Response:
        return Response(pages.CSS, media_type="text/css",
                        headers={"cache-control": "max-age=3600"})

    # ------------------------------------------------------------------------ inbox
    async def inbox(self, request: Request) -> Response:
        s = await self._require(request, "caseworker")
        if isinstance(s, Response):
            return s
        stations = await run_in_threadpool(self.store.stations)
        all_rows = await run_in_threadpool(inbox.rows, self.store)
        seen = await run_in_threadpool(inbox.seen_at, self.store, s.name)
        today = date.today()
        try:
            f = inbox.parse_filters(request.query_params, {sid for sid, _n, _s in stations})
            error = ""
        except inbox.BadFilter as err:
            f, error = inbox.Filters(), t("office.bad_filter",
                                          field=t("office.filter_" + err.field))
        shown, total = inbox.select(all_rows, f, seen, today)
        if not error and f.page == 1:
            await run_in_threadpool(inbox.mark_seen, self.store, s.name,
                                    int(time.time() * 1000))
        html = pages.inbox_html(shown, total, f, seen, today, stations, all_rows,
                                self._nav(s), error)
        return HTMLResponse(html, status_code=400 if error else 200, headers=NO_STORE)

    # ------------------------------------------------------------------------ case page
    def _open(self, record_id: str) -> Any:
        from center.casefile import open_case

        return open_case(self.store, self.keys, record_id)

    async def _look(self, request: Request, action: str
                    ) -> tuple[sessions.Session, Any] | Response:
        """A case worker's look at the case in the path, for the page (`view`) or the PDF
        (`print`): the session and the opened case file (None, or `Unreadable`), or the
        answer to send instead (login, 403, 404)."""
        s = await self._require(request, "caseworker")
        if isinstance(s, Response):
            return s
        record_id = request.path_params["record_id"]
        if not RECORD_ID.match(record_id):
            return self._no_case(s)
        found = await run_in_threadpool(self.store.find_case, record_id)
        if found is None or found[0] != record_id:
            return self._no_case(s)
        # Recorded before the sealed copy is opened: a look that fails half-way counts.
        await run_in_threadpool(lambda: access.record(
            self.store, account=s.name, action=action, case_id=record_id))
        return s, await run_in_threadpool(self._open, record_id)

    def _materials(self, matter: str) -> list[tuple[str, str]]:
        from center.casefile import centre_catalogue

        try:
            m = centre_catalogue(self.store).get(matter)
        except Exception:  # an unknown code: no material to tick
            return []
        return [(x.code, x.name) for x in m.materials]

    def _case_parts(self, cf: Any) -> tuple[list[Any], list[str], tuple[str, ...]]:
        steps = actions.history(self.store, cf.record_id)
        notes = [actions.open_note(self.keys.x25519, s.note_sealed) for s in steps]
        allowed = actions.allowed_next(self.store, cf.record_id, cf.centre_status, cf.version)
        return steps, notes, allowed

    async def case(self, request: Request, *, error: str = "", status: int = 200
                   ) -> Response:
        looked = await self._look(request, "view")
        if isinstance(looked, Response):
            return looked
        s, cf = looked
        from center.casefile import Unreadable

        if cf is None:
            return self._no_case(s)
        if isinstance(cf, Unreadable):
            log.warning("case %s v%d does not open: %s", cf.record_id, cf.version, cf.reason)
            return HTMLResponse(pages.unreadable_html(cf.record_id, cf.case_no,
                                                      t("office.why_" + cf.reason)
                                                      if cf.reason in UNREADABLE else cf.reason,
                                                      self._nav(s)),
                                status_code=200, headers=NO_STORE)
        steps, notes, allowed = await run_in_threadpool(self._case_parts, cf)
        moved = request.query_params.get("moved", "")
        flash = t("office.moved", status=t(pages.STATUS_KEYS[moved])) \
            if moved in pages.STATUS_KEYS else ""
        html = pages.case_html(cf, steps, notes, allowed, s.csrf, self._nav(s), flash, error,
                               await run_in_threadpool(self._materials, cf.matter))
        return HTMLResponse(html, status_code=status, headers=NO_STORE)

    def _no_case(self, s: sessions.Session) -> Response:
        words = t("office.no_case")
        return HTMLResponse(pages.message(words, words, nav_html=self._nav(s)),
                            status_code=404, headers=NO_STORE)

    async def move(self, request: Request) -> Response:
        posted = await self._posted(request, "caseworker")
        if isinstance(posted, Response):
            return posted
        s, form = posted
        record_id = request.path_params["record_id"]
        if not RECORD_ID.match(record_id):
            return self._no_case(s)
        status = self._one(form, "status")
        if status not in ("reviewing", "done", "returned"):
            return await self.case(request, error=t("office.bad_action"), status=400)
        found = await run_in_threadpool(self.store.find_case, record_id)
        if found is None or found[0] != record_id:
            return self._no_case(s)
        cf_matter = await run_in_threadpool(self._matter_of, record_id)
        needed = tuple(v[:40] for v in form.get("needed", [])[:50])
        try:
            await run_in_threadpool(lambda: actions.move(
                self.store, case_ref=record_id, status=status, account=s.name,
                centre_x25519_pub=self.keys.x25519.public_key().public_bytes_raw(),
                note=self._one(form, "note")[:1000], needed=needed,
                delivery=self._one(form, "delivery")[:10],
                matter_materials=tuple(c for c, _ in self._materials(cf_matter))))
        except CenterError as err:
            return await self.case(request, error=err.message(), status=400)
        log.info("case %s moved to %s by a case worker", record_id, status)
        return RedirectResponse(f"/office/case/{record_id}?moved={status}", status_code=303)

    def _matter_of(self, record_id: str) -> str:
        import json

        with self.store.tx() as cur:
            cur.execute(self.store.q("SELECT meta FROM records WHERE record_id = ?"
                                     " ORDER BY version DESC"), (record_id,))
            row = cur.fetchone()
        try:
            meta = json.loads(row[0]) if row else {}
        except (TypeError, ValueError):
            return ""
        value = meta.get("matter") if isinstance(meta, dict) else ""
        return value if isinstance(value, str) else ""

    async def case_pdf(self, request: Request) -> Response:
        looked = await self._look(request, "print")
        if isinstance(looked, Response):
            return looked
        s, cf = looked
        record_id = request.path_params["record_id"]
        from center.casefile import Unreadable

        if cf is None or isinstance(cf, Unreadable):
            return self._no_case(s)
        steps, notes, _allowed = await run_in_threadpool(self._case_parts, cf)
        from center.backoffice.printout import case_file_pdf
        from station.documents.coverage import GlyphMissing

        try:
            data = await run_in_threadpool(
                case_file_pdf, cf, steps, notes, s.name,
                time.strftime("%Y-%m-%d %H:%M"))
        except GlyphMissing:
            words = t("office.pdf_glyph")
            return HTMLResponse(pages.message(words, words, nav_html=self._nav(s)),
                                status_code=500, headers=NO_STORE)
        # The file name is the record id: never a name or an ID number.
        return Response(data, media_type="application/pdf", headers={
            **NO_STORE, "content-disposition": f'attachment; filename="case-{record_id}.pdf"'})

    # ------------------------------------------------------------------------ phone lookup
    async def lookup_form(self, request: Request) -> Response:
        s = await self._require(request, "caseworker")
        if isinstance(s, Response):
            return s
        return HTMLResponse(pages.lookup_html(s.csrf, self._nav(s)), headers=NO_STORE)

    async def lookup(self, request: Request) -> Response:
        posted = await self._posted(request, "caseworker")
        if isinstance(posted, Response):
            return posted
        s, form = posted
        case_no = self._one(form, "case_no").strip().upper()[:40]
        id4 = self._one(form, "id4").strip()
        shown_no = case_no if CASE_NO.match(case_no) else ""

        def answer(words: str, code: int) -> Response:
            return HTMLResponse(pages.lookup_html(s.csrf, self._nav(s), error=words,
                                                  case_no=shown_no),
                                status_code=code, headers=NO_STORE)

        if not CASE_NO.match(case_no) or not ID4.match(id4):
            return answer(t("office.lookup_bad"), 400)
        wait = self.lookup_throttle.allow(s.name)
        if wait:
            return answer(t("office.lookup_slow", seconds=wait), 429)
        found = await run_in_threadpool(self.store.find_case, case_no)
        cf = None
        if found is not None:
            await run_in_threadpool(lambda: access.record(
                self.store, account=s.name, action="lookup", case_id=found[0]))
            cf = await run_in_threadpool(self._open, found[0])
        from center.casefile import CaseFile

        if not isinstance(cf, CaseFile) or not hmac.compare_digest(
                cf.resident.id_number[-4:].upper(), id4.upper()):
            self.lookup_throttle.missed(s.name)
            return answer(t("office.lookup_none"), 404)
        prog = await run_in_threadpool(progress.progress_of, self.store, cf.record_id)
        return HTMLResponse(pages.lookup_html(s.csrf, self._nav(s),
                                              result=(cf.record_id, prog), case_no=case_no),
                            headers=NO_STORE)

    # ------------------------------------------------------------------------ export
    async def export_form(self, request: Request) -> Response:
        s = await self._require(request, "caseworker", "admin")
        if isinstance(s, Response):
            return s
        since = (date.today().replace(day=1)).isoformat()
        return HTMLResponse(export_page.form_html(s.csrf, self._nav(s), since=since),
                            headers=NO_STORE)

    async def export(self, request: Request) -> Response:
        posted = await self._posted(request, "caseworker", "admin")
        if isinstance(posted, Response):
            return posted
        s, form = posted
        try:
            ask = export_page.parse(form, date.today())
        except export_page.BadExport as err:
            return HTMLResponse(export_page.form_html(
                s.csrf, self._nav(s), error=t(err.key), since=self._one(form, "since")[:10],
                fmt=self._one(form, "format")[:5],
                reason=self._one(form, "reason")[:export_page.REASON_MAX]),
                status_code=400, headers=NO_STORE)
        from center.export import CONTENT_TYPES, export_bytes

        try:
            data, n, bad = await run_in_threadpool(lambda: export_bytes(
                self.store, self.keys, since_ms=ask.since_ms, fmt=ask.fmt,
                actor=access.WEB + s.name, reason=ask.reason))
        except CenterError as err:
            words = t("office.export_failed", error=err.message())
            return HTMLResponse(export_page.form_html(
                s.csrf, self._nav(s), error=words, since=ask.since.isoformat(), fmt=ask.fmt,
                reason=ask.reason), status_code=500, headers=NO_STORE)
        log.info("web export: %d cases as %s (%d unreadable)", n, ask.fmt, len(bad))
        name = ask.filename(datetime.now())
        return Response(data, media_type=CONTENT_TYPES[ask.fmt], headers={
            **NO_STORE, "content-disposition": f'attachment; filename="{name}"',
            "x-content-type-options": "nosniff"})

    # ------------------------------------------------------------------------ admin
    async def admin(self, request: Request) -> Response:
        s = await self._require(request, "admin")
        if isinstance(s, Response):
            return s
        from center.reports import accounts

        listing = await run_in_threadpool(accounts.listing, self.store)
        stations = await run_in_threadpool(self.store.stations)
        records = await run_in_threadpool(lambda: access.records(self.store, limit=500))
        return HTMLResponse(pages.admin_html(listing, stations, records, self._nav(s)),
                            headers=NO_STORE)

    async def access_counts(self, request: Request) -> Response:
        s = await self._require(request, "supervisor", "admin")
        if isinstance(s, Response):
            return s
        since = int((time.time() - ACCESS_DAYS * 86400) * 1000)
        rows = await run_in_threadpool(access.counts, self.store, since)
        return HTMLResponse(pages.access_counts_html(rows, ACCESS_DAYS, self._nav(s)),
                            headers=NO_STORE)

    # ------------------------------------------------------------------------ /q/<token>
    async def progress_page(self, request: Request) -> Response:
        client = request.client.host if request.client else "unknown"
        headers = {**NO_STORE, "x-robots-tag": "noindex"}
        wait = self.q_throttle.allow(client)
        if wait:
            return HTMLResponse(pages.progress_slow_html(wait), status_code=429,
                                headers={**headers, "retry-after": str(wait)})
        token = request.path_params["token"]
        found = await run_in_threadpool(progress.find, self.store, token[:100])
        if found is None:
            self.q_throttle.missed(client)
            return HTMLResponse(pages.progress_missing_html(), status_code=404, headers=headers)
        return HTMLResponse(pages.progress_html(found), headers=headers)


UNREADABLE = ("cannot_open", "bad_envelope", "bad_payload", "unknown_suite", "purged",
              "clear_mismatch", "unknown_matter")


def routes(store: Any, keys: Any) -> list[Route]:
    office = Office(store, keys)
    return [
        Route(pages.CSS_PATH, office.style, methods=["GET"]),
        Route("/office", office.inbox, methods=["GET"]),
        Route("/office/lookup", office.lookup_form, methods=["GET"]),
        Route("/office/lookup", office.lookup, methods=["POST"]),
        Route("/office/export", office.export_form, methods=["GET"]),
        Route("/office/export", office.export, methods=["POST"]),
        Route("/office/case/{record_id}", office.case, methods=["GET"]),
        Route("/office/case/{record_id}/status", office.move, methods=["POST"]),
        Route("/office/case/{record_id}/file.pdf", office.case_pdf, methods=["GET"]),
        Route("/admin", office.admin, methods=["GET"]),
        Route("/reports/access", office.access_counts, methods=["GET"]),
        Route("/q/{token}", office.progress_page, methods=["GET"]),
    ]
