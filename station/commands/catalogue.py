"""`station catalogue`: list, filter and search the matters, as a table or as JSON."""

from __future__ import annotations

import json
import unicodedata

import click

from shared.echo import echo
from shared.errors import StationError
from shared.i18n import get_locale, t
from station.catalogue.loader import load_catalogue
from station.catalogue.model import MENU_KEYS, MENUS, Catalogue, Matter, Source
from station.catalogue.search import find_matters

WIDTH = 80


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit(text: str, width: int) -> str:
    """Cut to ``width`` columns (with an ellipsis) and pad, so the columns line up."""
    if _width(text) > width:
        out, used = "", 0
        for ch in text:
            w = _width(ch)
            if used + w > width - 1:
                break
            out, used = out + ch, used + w
        text = out + "…"
    return text + " " * (width - _width(text))


def _limit(days: int, short: bool = False) -> str:
    if days == 0:
        return t("catalogue.time.instant")
    return t("catalogue.time.days_short" if short else "catalogue.time.days", days=days)


def _menu(menu: str) -> str:
    return t(f"catalogue.menu.{MENU_KEYS[menu]}")


def as_json(matter: Matter) -> dict[str, object]:
    return {
        "code": matter.code,
        "name": matter.name,
        "name_en": matter.name_en,
        "line": matter.line,
        "menus": list(matter.menus),
        "time_limit_days": matter.time_limit_days,
        "home_visit": matter.home_visit,
        "delivery": list(matter.delivery),
        "review": matter.needs_review,
        "review_reason": matter.review_reason or None,
        "sources": [_source(s) for s in matter.sources],
    }


def _source(source: Source) -> dict[str, str]:
    out = {"url": source.url, "doc": source.doc, "confirms": source.confirms,
           "checked": source.checked.isoformat(), "authority": source.authority}
    return {k: v for k, v in out.items() if v}


def _table(cat: Catalogue, matters: list[Matter]) -> list[str]:
    english = get_locale() == "en"
    line_en = {ln.name: ln.name_en for ln in cat.lines}
    cols = (("code", 5), ("name", 32), ("line", 10), ("limit", 7), ("visit", 5), ("menus", 0))
    rest = WIDTH - sum(w + 1 for _, w in cols[:-1])
    header = " ".join(_fit(t(f"catalogue.cli.col_{key}"), w or rest) for key, w in cols)
    lines = [header.rstrip(), "─" * (WIDTH - 1)]
    for m in matters:
        menus = ",".join(_menu(x)[0] if english else x[0] for x in m.menus)
        cells = (m.code, m.name_en if english else m.name, line_en[m.line] if english else m.line,
                 _limit(m.time_limit_days, short=True),
                 t("common.yes") if m.home_visit else t("common.no"), menus)
        lines.append(" ".join(_fit(c, w or rest) for c, (_, w) in zip(cells, cols, strict=True))
                     .rstrip())
    return lines


@click.group("catalogue", help=t("catalogue.cli.help"), invoke_without_command=True)
@click.option("--search", "-s", "search", metavar="TEXT", help=t("catalogue.cli.search"))
@click.option("--menu", "-m", type=click.Choice(MENUS), help=t("catalogue.cli.menu"))
@click.option("--line", "-l", "line", metavar="LINE", help=t("catalogue.cli.line"))
@click.option("--json", "as_json_flag", is_flag=True, help=t("catalogue.cli.json"))
@click.pass_context
def command(ctx: click.Context, search: str | None, menu: str | None, line: str | None,
            as_json_flag: bool) -> None:
    if ctx.invoked_subcommand is not None:
        return
    cat = load_catalogue()
    matters = find_matters(cat, search) if search else list(cat.matters)
    if menu:
        matters = [m for m in matters if menu in m.menus]
    if line:
        try:
            wanted = cat.line(line).name
        except StationError:
            raise click.BadParameter(
                t("catalogue.cli.bad_line", line=line,
                  allowed="、".join(ln.name for ln in cat.lines)), param_hint="--line") from None
        matters = [m for m in matters if m.line == wanted]
    if as_json_flag:
        echo(json.dumps([as_json(m) for m in matters], ensure_ascii=False, indent=2))
        return
    if not matters:
        echo(t("catalogue.cli.none"))
        return
    for row in _table(cat, matters):
        echo(row)
    echo(t("catalogue.cli.count", count=len(matters), version=cat.version,
                 published=cat.published.isoformat()))


# ---- `station catalogue show CODE`: what `case add` accepts, without reading the source ----

def _condition(f_or_m: object, labels: dict[str, str]) -> dict[str, object] | None:
    cond = getattr(f_or_m, "required_if", None)
    if cond is None:
        return None
    return {"field": cond.field, "values": list(cond.values)}


def _condition_text(cond: dict[str, object] | None, labels: dict[str, str]) -> str:
    if cond is None:
        return ""
    key = str(cond["field"])
    values = [t(f"service.delivery_{v}") if key == "delivery" else str(v)
              for v in cond["values"]]  # type: ignore[union-attr]
    label = t("catalogue.cli.delivery_label") if key == "delivery" else labels.get(key, key)
    return t("catalogue.cli.when", label=label, values=" / ".join(values))


def guide_json(m: Matter) -> dict[str, object]:
    """Fields and materials as `case add` takes them (--field KEY=VALUE, --material CODE)."""
    from station.catalogue.answers import hint_of, label_of

    labels = {f.key: label_of(f) for f in m.fields}
    fields = []
    for f in m.fields:
        cond = _condition(f, labels)
        fields.append({
            "key": f.key, "label": label_of(f), "type": f.type,
            "type_label": t(f"catalogue.cli.type_{f.type}"),
            "choices": list(f.choices), "required": f.required,
            "required_if": cond, "required_when": _condition_text(cond, labels),
            "default": getattr(f, "default", None) or None, "hint": hint_of(f) or None,
        })
    materials = []
    for x in m.materials:
        cond = _condition(x, labels)
        required = not x.optional and cond is None
        when = _condition_text(cond, labels) or (
            "；".join(p for p in (t("catalogue.cli.always"), x.notes) if p) if required
            else x.notes or t("catalogue.cli.sometimes"))
        materials.append({
            "code": x.code, "name": x.name, "form": x.form, "count": x.count,
            "required": required, "required_if": cond, "notes": x.notes or None,
            "when": when})
    return {"code": m.code, "name": m.name, "time_limit_days": m.time_limit_days,
            "delivery": list(m.delivery), "fields": fields, "materials": materials}


@command.command("show", help=t("catalogue.cli.show_help"))
@click.argument("code", metavar="CODE")
@click.option("--json", "as_json_flag", is_flag=True, help=t("catalogue.cli.json"))
def show(code: str, as_json_flag: bool) -> None:
    from station.catalogue import matters

    data = guide_json(matters.matter(code))
    if as_json_flag:
        echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    echo(f"{data['code']} {data['name']}  {_limit(int(data['time_limit_days']))}")  # type: ignore[call-overload]
    echo(t("catalogue.cli.show_delivery", allowed=" / ".join(
        f"{d}（{t(f'service.delivery_{d}')}）" for d in data["delivery"])))  # type: ignore[union-attr]
    echo(t("catalogue.cli.show_fields"))
    for f in data["fields"]:  # type: ignore[union-attr]
        need = (t("catalogue.cli.required") if f["required"]
                else f["required_when"] or t("catalogue.cli.optional"))
        line = f"  {f['key']:<16} {f['label']}（{f['type_label']}，{need}）"
        if f["choices"]:
            line += " " + t("catalogue.cli.choices", choices=" / ".join(f["choices"]))
        if f["default"]:
            line += " " + t("catalogue.cli.default", value=f["default"])
        echo(line)
    echo(t("catalogue.cli.show_materials"))
    for x in data["materials"]:  # type: ignore[union-attr]
        echo(f"  {x['code']:<16} {x['name']}（{x['when']}）")
    echo(t("catalogue.cli.show_usage", code=data["code"]))
