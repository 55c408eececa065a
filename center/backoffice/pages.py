"""The back office's HTML: inbox, case page, phone lookup, admin and access pages, and
the residents' progress page.

Why plain server-rendered HTML (like the report pages): no script at all (the
Content-Security-Policy forbids it, center/headers.py), every value through
`html.escape`, and markup that screen readers and keyboards need without help: a
skip link first, one h1 per page, h2 per section, `<th scope>` on every table,
a `<label>` for every field, fieldsets with legends for grouped choices, and a DOM
order that is the tab order. WAI's guidance followed: https://www.w3.org/WAI/tutorials/
(page structure, tables, forms).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from html import escape
from typing import Any
from urllib.parse import urlencode

from center.backoffice.inbox import CENTRE_STATUSES, PAGE_SIZE, Filters, Row
from shared.i18n import get_locale, t

CSS_PATH = "/office/style.css"
CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans",sans-serif;margin:0;color:#1a202c;
line-height:1.5}
main{padding:1rem 1.5rem}header{background:#edf2f7;padding:.5rem 1.5rem}
.skip{position:absolute;left:-999px;top:0}.skip:focus{left:.5rem;background:#fff;
padding:.3rem;z-index:9}
nav a,nav form{margin-right:1rem;display:inline}
h1{font-size:1.4rem;margin:.2rem 0 .6rem}h2{font-size:1.15rem;margin:1.4rem 0 .4rem}
table{border-collapse:collapse;margin:.3rem 0 1rem}
th,td{border:1px solid #a0aec0;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#edf2f7}dl.facts{display:grid;grid-template-columns:max-content auto;
gap:.2rem 1rem}dl.facts dt{font-weight:bold}
.error{color:#9b2c2c;font-weight:bold}.ok{color:#22543d;font-weight:bold}
.new{font-weight:bold}fieldset{margin:.6rem 0;border:1px solid #a0aec0}
form.filters label{margin-right:.8rem;display:inline-block}
a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #2b6cb0}
textarea{width:100%;max-width:40rem}
body.progress{font-size:1.35rem}body.progress main{max-width:36rem;margin:auto}
body.progress h1{font-size:1.7rem}body.progress .status{font-size:1.9rem;
font-weight:bold;margin:.5rem 0}body.progress dt{font-weight:bold;margin-top:.8rem}
body.progress dd{margin:0 0 .4rem}
"""

NEW_CLASS = ' class="new"'
STATUS_KEYS = {"accepted": "office.status_accepted", "reviewing": "office.status_reviewing",
               "done": "office.status_done", "returned": "office.status_returned"}
STATION_STATUS_KEYS = {"accepted": "office.station_accepted",
                       "materials_pending": "office.station_materials_pending",
                       "withdrawn": "office.station_withdrawn", "": "office.station_damaged"}


def e(value: Any) -> str:
    return escape("" if value is None else str(value))


def when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone().strftime("%Y-%m-%d %H:%M")


def page(title: str, body: str, *, nav: str = "", cls: str = "") -> str:
    lang = "zh-CN" if get_locale() == "zh_CN" else "en"
    klass = f' class="{cls}"' if cls else ""
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            f'<title>{e(title)}</title><link rel="stylesheet" href="{CSS_PATH}"></head>'
            f'<body{klass}><a class="skip" href="#main">{e(t("office.skip"))}</a>'
            f'{nav}<main id="main" tabindex="-1">{body}</main></body></html>')


def csrf(token: str) -> str:
    return f'<input type="hidden" name="csrf" value="{e(token)}">'


def nav(user: str, role: str, token: str) -> str:
    links = []
    if role == "caseworker":
        links += [("/office", t("office.nav_inbox")), ("/office/lookup", t("office.nav_lookup"))]
    if role == "admin":
        links += [("/admin", t("office.nav_admin"))]
    if role in ("caseworker", "admin"):
        links += [("/office/export", t("office.nav_export"))]
    if role in ("supervisor", "admin"):
        links += [("/reports", t("reports.web_overview")),
                  ("/reports/access", t("office.nav_access_counts"))]
    items = "".join(f'<a href="{href}">{e(label)}</a>' for href, label in links)
    return (f'<header><nav aria-label="{e(t("office.nav_label"))}">{items}'
            f'<span>{e(user)}（{e(t("office.role_" + role))}）</span> '
            f'<form method="post" action="/reports/logout">{csrf(token)}'
            f'<button type="submit">{e(t("reports.web_logout"))}</button></form>'
            '</nav></header>')


def message(title: str, words: str, *, nav_html: str = "", error: bool = True) -> str:
    cls = "error" if error else "ok"
    return page(title, f'<h1>{e(title)}</h1><p class="{cls}" role="alert">{e(words)}</p>',
                nav=nav_html)


# ------------------------------------------------------------------------------ inbox
def _select(name: str, label: str, options: Iterable[tuple[str, str]], chosen: str) -> str:
    opts = [f'<option value="">{e(t("office.filter_any"))}</option>']
    for value, text in options:
        sel = " selected" if value == chosen else ""
        opts.append(f'<option value="{e(value)}"{sel}>{e(text)}</option>')
    return (f'<label for="f-{name}">{e(label)}</label> '
            f'<select id="f-{name}" name="{name}">{"".join(opts)}</select> ')


def inbox_html(rows: list[Row], total: int, f: Filters, seen_at: int, today: date,
               stations: list[tuple[str, str, str]], all_rows: list[Row], nav_html: str,
               error: str = "") -> str:
    sites = sorted({r.site for r in all_rows if r.site})
    lines = sorted({r.line for r in all_rows if r.line})
    matters = sorted({(r.matter, r.matter_name) for r in all_rows if r.matter})
    form = ['<form class="filters" method="get" action="/office" role="search"'
            f' aria-label="{e(t("office.filters"))}"><fieldset>'
            f'<legend>{e(t("office.filters"))}</legend>',
            _select("station", t("office.col_station"),
                    [(sid, name) for sid, name, _ in stations], f.station),
            _select("site", t("office.col_site"), [(s, s) for s in sites], f.site),
            _select("line", t("office.col_line"), [(x, x) for x in lines], f.line),
            _select("matter", t("office.col_matter"),
                    [(c, f"{c} {n}") for c, n in matters], f.matter),
            _select("status", t("office.col_status"),
                    [(s, t(STATUS_KEYS[s])) for s in CENTRE_STATUSES], f.status),
            f'<label for="f-from">{e(t("office.filter_from"))}</label> <input id="f-from"'
            f' type="date" name="from" value="{e(f.date_from or "")}"> ',
            f'<label for="f-to">{e(t("office.filter_to"))}</label> <input id="f-to"'
            f' type="date" name="to" value="{e(f.date_to or "")}"> ',
            '<label><input type="checkbox" name="overdue" value="1"'
            f'{" checked" if f.overdue else ""}> {e(t("office.filter_overdue"))}</label>',
            '<label><input type="checkbox" name="missing" value="1"'
            f'{" checked" if f.missing else ""}> {e(t("office.filter_missing"))}</label>',
            f'<button type="submit">{e(t("office.filter_apply"))}</button>'
            '</fieldset></form>']
    body = [f'<h1>{e(t("office.inbox_title"))}</h1>']
    if error:
        body.append(f'<p class="error" role="alert">{e(error)}</p>')
    body += form
    body.append(f'<p><a href="/office/export">{e(t("office.export_link"))}</a></p>')
    new = sum(1 for r in rows if r.last_received > seen_at)
    body.append(f'<p role="status">{e(t("office.inbox_count", total=total, new=new))}</p>')
    if rows:
        cols = [t("office.col_case_no"), t("office.col_new"), t("office.col_station"),
                t("office.col_site"), t("office.col_matter"), t("office.col_day"),
                t("office.col_station_status"), t("office.col_status"), t("office.col_due"),
                t("office.col_received")]
        body.append(f'<table data-table="inbox"><caption>{e(t("office.inbox_caption"))}'
                    '</caption><thead><tr>'
                    + "".join(f'<th scope="col">{e(c)}</th>' for c in cols)
                    + "</tr></thead><tbody>")
        for r in rows:
            is_new = r.last_received > seen_at
            due = "—" if r.due is None else r.due.isoformat() + (
                t("office.estimated_mark") if r.due_estimated else "")
            if r.overdue(today):
                due += " " + t("office.overdue_mark")
            name = r.case_no or r.record_id
            body.append(
                "<tr>"
                f'<th scope="row"><a href="/office/case/{e(r.record_id)}">{e(name)}</a></th>'
                f"<td{NEW_CLASS if is_new else ''}>"
                f'{e(t("office.new_mark") if is_new else "")}</td>'
                f"<td>{e(r.station_name or r.station_id)}</td><td>{e(r.site)}</td>"
                f"<td>{e(r.matter)} {e(r.matter_name)}</td>"
                f"<td>{e(r.day.isoformat() if r.day else '—')}</td>"
                f"<td>{e(t(STATION_STATUS_KEYS.get(r.station_status, 'office.station_damaged')))}"
                f"</td><td>{e(t(STATUS_KEYS.get(r.centre_status, 'office.status_accepted')))}"
                f"</td><td>{e(due)}</td><td>{e(when(r.last_received))}</td></tr>")
        body.append("</tbody></table>")
    else:
        body.append(f'<p>{e(t("office.inbox_empty"))}</p>')
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    if pages > 1:
        links = []
        query = {k: v for k, v in (("station", f.station), ("site", f.site),
                                   ("line", f.line), ("matter", f.matter),
                                   ("status", f.status),
                                   ("from", f.date_from.isoformat() if f.date_from else ""),
                                   ("to", f.date_to.isoformat() if f.date_to else ""),
                                   ("overdue", "1" if f.overdue else ""),
                                   ("missing", "1" if f.missing else "")) if v}
        if f.page > 1:
            links.append(f'<a href="/office?{e(urlencode(query | {"page": f.page - 1}))}"'
                         f' rel="prev">{e(t("office.page_prev"))}</a>')
        links.append(f'<span>{e(t("office.page_of", page=f.page, pages=pages))}</span>')
        if f.page < pages:
            links.append(f'<a href="/office?{e(urlencode(query | {"page": f.page + 1}))}"'
                         f' rel="next">{e(t("office.page_next"))}</a>')
        body.append(f'<nav aria-label="{e(t("office.paging"))}">{" ".join(links)}</nav>')
    return page(t("office.inbox_title"), "".join(body), nav=nav_html)


# ------------------------------------------------------------------------------ case page
def _table(key: str, caption: str, cols: list[str], rows: list[list[str]]) -> str:
    out = [f'<table data-table="{e(key)}"><caption>{e(caption)}</caption><thead><tr>']
    out += [f'<th scope="col">{e(c)}</th>' for c in cols]
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>" + f'<th scope="row">{e(row[0])}</th>'
                   + "".join(f"<td>{e(c)}</td>" for c in row[1:]) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _facts(pairs: list[tuple[str, str]]) -> str:
    return '<dl class="facts">' + "".join(
        f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in pairs) + "</dl>"


def _due(cf: Any) -> str:
    from station.catalogue.calendar import due_estimated

    if cf.due_date is None:
        return "—"
    mark = t("office.estimated_mark") if due_estimated(cf.outing_date, cf.due_date) else ""
    return cf.due_date.isoformat() + mark


def case_html(cf: Any, steps: list[Any], notes: list[str], allowed: tuple[str, ...],
              token: str, nav_html: str, flash: str = "", error: str = "",
              matter_materials: list[tuple[str, str]] | None = None) -> str:
    title = t("office.case_title", case=cf.case_no)
    body = [f"<h1>{e(title)}</h1>"]
    if flash:
        body.append(f'<p class="ok" role="status">{e(flash)}</p>')
    if error:
        body.append(f'<p class="error" role="alert">{e(error)}</p>')
    body.append(_facts([
        (t("office.col_matter"), f"{cf.matter} {cf.matter_name}"),
        (t("office.col_status"), t(STATUS_KEYS.get(cf.centre_status, "office.status_accepted"))),
        (t("office.col_station_status"),
         t(STATION_STATUS_KEYS.get(cf.station_status, "office.station_damaged"))),
        (t("office.col_station"), cf.station_name or cf.station_id),
        (t("office.col_site"), f"{cf.site}  {cf.outing_date.isoformat()}"),
        (t("office.col_due"), _due(cf)),
    ]))
    body.append(f'<p><a href="/office/case/{e(cf.record_id)}/file.pdf">'
                f'{e(t("office.print_pdf"))}</a></p>')
    r = cf.resident
    body.append(f'<h2 id="resident">{e(t("office.h_resident"))}</h2>')
    body.append(_facts([(t("office.resident_name"), r.name),
                        (t("office.resident_id"), r.id_number),
                        (t("office.resident_phone"), r.phone or "—"),
                        (t("office.resident_address"), r.address or "—")]))
    body.append(f'<h2 id="agent">{e(t("office.h_agent"))}</h2>')
    if cf.agent is None:
        body.append(f'<p>{e(t("office.no_agent"))}</p>')
    else:
        a = cf.agent
        body.append(_facts([(t("office.resident_name"), a.name),
                            (t("office.resident_id"), a.id_number),
                            (t("office.agent_relation"), a.relation)]))
    body.append(f'<h2 id="answers">{e(t("office.h_answers"))}</h2>')
    body.append(_table("answers", t("office.h_answers"),
                       [t("office.col_field"), t("office.col_answer")],
                       [[a.label, a.text] for a in cf.answers]))
    body.append(f'<h2 id="materials">{e(t("office.h_materials"))}</h2>')
    mats = [[m.name, m.form or "—", t("office.material_received")] for m in cf.received]
    mats += [[m.name, m.form or "—", t("office.material_missing")] for m in cf.missing]
    body.append(_table("materials", t("office.h_materials"),
                       [t("office.col_material"), t("office.col_form"),
                        t("office.col_material_state")], mats))
    body.append(f'<h2 id="delivery">{e(t("office.h_delivery"))}</h2>'
                f'<p>{e(t("office.delivery_" + cf.delivery))}</p>')
    body.append(f'<h2 id="versions">{e(t("office.h_versions"))}</h2>')
    body.append(_table("versions", t("office.h_versions"),
                       [t("office.col_version"), t("office.col_time"),
                        t("office.col_station_status"), t("office.col_reason_code"),
                        t("office.col_reason"), t("office.col_received")],
                       [[str(v.version), v.updated_at.strftime("%Y-%m-%d %H:%M"),
                         t(STATION_STATUS_KEYS.get(v.status, "office.station_damaged")),
                         t("office.reason_" + (v.reason_code or "first"))
                         if (v.reason_code or "first") in REASON_CODES else v.reason_code,
                         v.reason or "—", when(v.received_at)] for v in cf.versions]))
    body.append(f'<h2 id="history">{e(t("office.h_history"))}</h2>')
    hist = []
    for step, note in zip(steps, notes, strict=True):
        extra = []
        if step.needed:
            names = dict(matter_materials or [])
            extra.append(t("office.needed_list",
                           items="、".join(names.get(c, c) for c in step.needed)))
        if step.delivery:
            extra.append(t("office.delivery_" + step.delivery))
        hist.append([when(step.at), t(STATUS_KEYS.get(step.status, "office.status_accepted")),
                     step.account, note or "—", "；".join(extra) or "—"])
    body.append(_table("history", t("office.h_history"),
                       [t("office.col_time"), t("office.col_status"), t("office.col_worker"),
                        t("office.col_note"), t("office.col_detail")], hist)
                if hist else f'<p>{e(t("office.no_history"))}</p>')
    body.append(_actions(cf, allowed, token, matter_materials or []))
    return page(title, "".join(body), nav=nav_html)


REASON_CODES = ("first", "amend", "withdraw", "rating")


def _actions(cf: Any, allowed: tuple[str, ...], token: str,
             materials: list[tuple[str, str]]) -> str:
    action = f"/office/case/{e(cf.record_id)}/status"
    out = [f'<h2 id="actions">{e(t("office.h_actions"))}</h2>']
    if not allowed:
        key = ("office.returned_waits" if cf.centre_status == "returned"
               else "office.no_actions")
        out.append(f"<p>{e(t(key))}</p>")
        return "".join(out)
    if "reviewing" in allowed:
        out.append(f'<form method="post" action="{action}">{csrf(token)}'
                   '<input type="hidden" name="status" value="reviewing">'
                   f'<button type="submit" id="act-reviewing">{e(t("office.act_reviewing"))}'
                   "</button></form>")
    if "done" in allowed:
        radios = "".join(
            f'<label><input type="radio" name="delivery" value="{d}"'
            f'{" checked" if d == cf.delivery else ""}> {e(t("office.delivery_" + d))}</label> '
            for d in ("centre", "visit", "post"))
        out.append(f'<form method="post" action="{action}">{csrf(token)}'
                   '<input type="hidden" name="status" value="done"><fieldset>'
                   f'<legend>{e(t("office.act_done_legend"))}</legend>{radios}</fieldset>'
                   f'<button type="submit" id="act-done">{e(t("office.act_done"))}</button>'
                   "</form>")
    if "returned" in allowed:
        boxes = "".join(
            f'<label><input type="checkbox" name="needed" value="{e(code)}"> {e(name)}</label> '
            for code, name in materials)
        out.append(f'<form method="post" action="{action}">{csrf(token)}'
                   '<input type="hidden" name="status" value="returned"><fieldset>'
                   f'<legend>{e(t("office.act_return_legend"))}</legend>'
                   f'<p><label for="return-note">{e(t("office.return_note"))}</label><br>'
                   '<textarea id="return-note" name="note" rows="3" maxlength="200" required>'
                   "</textarea></p>"
                   f'<fieldset><legend>{e(t("office.return_needed"))}</legend>{boxes}</fieldset>'
                   f'</fieldset><button type="submit" id="act-returned">'
                   f'{e(t("office.act_returned"))}</button></form>')
    return "".join(out)


def unreadable_html(record_id: str, case_no: str, reason: str, nav_html: str) -> str:
    title = t("office.case_title", case=case_no or record_id)
    return page(title, f"<h1>{e(title)}</h1><p class=\"error\" role=\"alert\">"
                f'{e(t("office.unreadable", reason=reason))}</p>', nav=nav_html)


# ------------------------------------------------------------------------------ lookup
def lookup_html(token: str, nav_html: str, result: Any = None, error: str = "",
                case_no: str = "") -> str:
    body = [f'<h1>{e(t("office.lookup_title"))}</h1>',
            f'<p>{e(t("office.lookup_help"))}</p>']
    if error:
        body.append(f'<p class="error" role="alert">{e(error)}</p>')
    body.append(f'<form method="post" action="/office/lookup">{csrf(token)}'
                f'<p><label for="lookup-case">{e(t("office.lookup_case"))}</label> '
                f'<input id="lookup-case" name="case_no" value="{e(case_no)}" required'
                ' maxlength="40" autocomplete="off"></p>'
                f'<p><label for="lookup-id4">{e(t("office.lookup_id4"))}</label> '
                '<input id="lookup-id4" name="id4" required maxlength="4" minlength="4"'
                ' autocomplete="off" inputmode="text"></p>'
                f'<p><button type="submit">{e(t("office.lookup_go"))}</button></p></form>')
    if result is not None:
        record_id, progress = result
        body.append(f'<h2>{e(t("office.lookup_found"))}</h2>')
        body.append(progress_facts(progress))
        body.append(f'<p><a href="/office/case/{e(record_id)}">{e(t("office.open_case"))}</a></p>')
    return page(t("office.lookup_title"), "".join(body), nav=nav_html)


# ------------------------------------------------------------------------------ progress
def progress_facts(p: Any) -> str:
    items = [(t("office.q_matter"), p.matter_name or p.matter),
             (t("office.q_status"), t("office.q_status_" + p.status))]
    if p.due is not None:
        due = p.due.isoformat()
        items.append((t("office.q_due"),
                      t("office.q_due_estimated", due=due) if p.due_estimated else due))
    if p.status == "returned" or p.needed:
        items.append((t("office.q_bring"), "、".join(p.needed) or t("office.q_bring_call")))
    if p.status == "materials_pending":
        items.append((t("office.q_bring"), t("office.q_bring_notice")))
    if p.status == "done":
        how = t("office.q_how_" + (p.delivery or "centre"))
        items.append((t("office.q_how"), how))
        if p.collect_where:
            items.append((t("office.q_where"), p.collect_where))
        if p.collect_when:
            items.append((t("office.q_when"), p.collect_when))
    if p.updated is not None:
        items.append((t("office.q_updated"), p.updated.isoformat()))
    return "<dl>" + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in items) + "</dl>"


def progress_html(p: Any) -> str:
    body = (f'<h1>{e(t("office.q_title"))}</h1>'
            f'<p class="status" role="status">{e(t("office.q_status_" + p.status))}</p>'
            + progress_facts(p) + f'<p>{e(t("office.q_footer"))}</p>')
    return page(t("office.q_title"), body, cls="progress")


def progress_missing_html() -> str:
    body = (f'<h1>{e(t("office.q_title"))}</h1>'
            f'<p role="alert">{e(t("office.q_unknown"))}</p>')
    return page(t("office.q_title"), body, cls="progress")


def progress_slow_html(seconds: int) -> str:
    body = (f'<h1>{e(t("office.q_title"))}</h1>'
            f'<p role="alert">{e(t("office.q_slow", seconds=seconds))}</p>')
    return page(t("office.q_title"), body, cls="progress")


# ------------------------------------------------------------------------------ admin
def admin_html(accounts: list[tuple[str, str]], stations: list[tuple[str, str, str]],
               records: list[Any], nav_html: str) -> str:
    body = [f'<h1>{e(t("office.admin_title"))}</h1>',
            f'<p>{e(t("office.admin_help"))}</p>',
            f'<h2>{e(t("office.h_accounts"))}</h2>',
            _table("accounts", t("office.h_accounts"),
                   [t("office.col_account"), t("office.col_role")],
                   [[n, t("office.role_" + r) if r in ("supervisor", "caseworker", "admin")
                     else r] for n, r in accounts]),
            f'<h2>{e(t("office.h_stations"))}</h2>',
            _table("stations", t("office.h_stations"),
                   [t("office.col_station"), t("office.col_station_id"),
                    t("office.col_station_state")],
                   [[name, sid, status] for sid, name, status in stations]),
            f'<h2 id="access">{e(t("office.h_access"))}</h2>',
            _table("access", t("office.h_access"),
                   [t("office.col_time"), t("office.col_account"), t("office.col_action"),
                    t("office.col_case_no"), t("office.col_record"), t("office.col_why")],
                   [[when(a.at), a.actor, _action(a.action), a.case_no or "—",
                     a.case_id or "—", a.reason or "—"] for a in records])]
    return page(t("office.admin_title"), "".join(body), nav=nav_html)


KNOWN_ACTIONS = ("view", "print", "lookup", "export", "export_api", "purge",
                 "integration_revoke")


def _action(code: str) -> str:
    return t("office.action_" + code) if code in KNOWN_ACTIONS else code


def access_counts_html(rows: list[tuple[str, str, int]], days: int, nav_html: str) -> str:
    by_account: dict[str, dict[str, int]] = {}
    for account, action, n in rows:
        by_account.setdefault(account, {})[action] = n
    actions = ("view", "print", "lookup", "export", "export_api")
    table = _table("access_counts", t("office.access_counts_caption", days=days),
                   [t("office.col_worker"), *(_action(a) for a in actions)],
                   [[acc, *(str(c.get(a, 0)) for a in actions)]
                    for acc, c in sorted(by_account.items())])
    body = (f'<h1>{e(t("office.access_counts_title"))}</h1>'
            f'<p>{e(t("office.access_counts_help", days=days))}</p>'
            + (table if rows else f'<p>{e(t("office.no_access"))}</p>'))
    return page(t("office.access_counts_title"), body, nav=nav_html)
