"""A report `Document` as server-rendered HTML: facts, tables, charts as inline SVG.

Why no template engine or script: the pages are a handful of tables; string
building with `html.escape` on every value keeps them dependency-free, and with
no JavaScript they work in any browser the district has. The style sheet is served
from /reports/style.css, not inline, so the Content-Security-Policy can forbid every
inline style and script (center/headers.py).
"""

from __future__ import annotations

from html import escape

from shared.i18n import get_locale, t
from shared.reports.charts import svg_chart
from shared.reports.document import Document, Table, cell_text

CSS_PATH = "/reports/style.css"
CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans",sans-serif;margin:1.5rem;color:#1a202c}
h1{font-size:1.4rem;margin:0 0 .2rem}h2{font-size:1.1rem;margin:1.4rem 0 .4rem}
.sub{color:#4a5568;margin:0 0 1rem}nav a,nav form{margin-right:1rem;display:inline}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}
dl.facts dt{font-weight:bold}table{border-collapse:collapse;margin:.3rem 0 1rem}
th,td{border:1px solid #cbd5e0;padding:.2rem .5rem;text-align:left}
td.n{text-align:right}th{background:#edf2f7}.note{color:#4a5568;font-size:.85rem}
.error{color:#c53030;font-weight:bold}tr.alert td{color:#c53030}form.period{margin:.5rem 0 1rem}
"""


def page(title: str, body: str, *, nav: str = "") -> str:
    lang = "zh-CN" if get_locale() == "zh_CN" else "en"
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f'<title>{escape(title)}</title><link rel="stylesheet" href="{CSS_PATH}"></head>'
            f"<body>{nav}{body}</body></html>")


def table_html(table: Table, links: dict[int, str] | None = None) -> str:
    """`links` maps a row index to the URL its first cell links to."""
    out = [f'<h2>{escape(table.title)}</h2>']
    if not table.rows:
        return out[0] + f'<p class="empty">{escape(table.empty)}</p>'
    out.append(f'<table data-table="{escape(table.key)}"><thead><tr>')
    out += [f"<th>{escape(c)}</th>" for c in table.columns]
    out.append("</tr></thead><tbody>")
    for i, row in enumerate(table.rows):
        out.append('<tr class="alert">' if i in table.alert_rows else "<tr>")
        for j, value in enumerate(row):
            text = escape(cell_text(value))
            if j == 0 and links and i in links:
                text = f'<a href="{escape(links[i])}">{text}</a>'
            cls = ' class="n"' if isinstance(value, int | float) else ""
            out.append(f"<td{cls}>{text}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def document_html(doc: Document, links: dict[str, dict[int, str]] | None = None) -> str:
    links = links or {}
    parts = [f"<h1>{escape(doc.title)}</h1>", f'<p class="sub">{escape(doc.subtitle)}</p>']
    if doc.facts:
        parts.append('<dl class="facts">' + "".join(
            f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in doc.facts) + "</dl>")
    for table in doc.lead:
        parts.append(table_html(table, links.get(table.key)))
    for chart in doc.charts:
        parts.append(f"<h2>{escape(chart.title)}</h2>{svg_chart(chart)}")
    for table in doc.tables:
        parts.append(table_html(table, links.get(table.key)))
    parts += [f'<p class="note">{escape(n)}</p>' for n in doc.notes]
    return "".join(parts)


def csrf_input(token: str) -> str:
    return f'<input type="hidden" name="csrf" value="{escape(token)}">'


def login_html(csrf: str, error: str = "", next_url: str = "/reports") -> str:
    err = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    body = (f"<h1>{escape(t('reports.web_login_title'))}</h1>{err}"
            f'<form method="post" action="/reports/login">{csrf_input(csrf)}'
            f'<input type="hidden" name="next" value="{escape(next_url)}">'
            f'<p><label>{escape(t("reports.web_user"))} '
            '<input name="user" id="user" autocomplete="username" required></label></p>'
            f'<p><label>{escape(t("reports.web_password"))} <input name="password" id="password"'
            ' type="password" autocomplete="current-password" required></label></p>'
            f'<p><button type="submit">{escape(t("reports.web_login"))}</button></p></form>')
    return page(t("reports.web_login_title"), body)
