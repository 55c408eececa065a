"""`station catalogue`: list, filter and search the matters, as a table or as JSON."""

from __future__ import annotations

import json
import unicodedata

import click

from station.catalogue import MENU_KEYS, MENUS, Catalogue, Matter, Source, load_catalogue
from station.commands._echo import echo
from station.errors import StationError
from station.i18n import get_locale, t

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


@click.command("catalogue", help=t("catalogue.cli.help"))
@click.option("--search", "-s", "search", metavar="TEXT", help=t("catalogue.cli.search"))
@click.option("--menu", "-m", type=click.Choice(MENUS), help=t("catalogue.cli.menu"))
@click.option("--line", "-l", "line", metavar="LINE", help=t("catalogue.cli.line"))
@click.option("--json", "as_json_flag", is_flag=True, help=t("catalogue.cli.json"))
def command(search: str | None, menu: str | None, line: str | None, as_json_flag: bool) -> None:
    cat = load_catalogue()
    matters = cat.search(search) if search else list(cat.matters)
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
