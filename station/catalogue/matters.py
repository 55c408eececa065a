"""The catalogue as the desk sees it: matter rows, guides, inline checks, hints.

Why an adapter: the catalogue module models the data file; the screens want
small translated views (``station.catalogue.views``). Keeping the mapping here means a
change in the data file's shape touches one module, not every screen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from shared.errors import StationError
from shared.i18n import get_locale, t
from station.catalogue.answers import check_eligibility, hint_of, label_of, validate_answers
from station.catalogue.calendar import add_working_days, due
from station.catalogue.loader import load_catalogue
from station.catalogue.model import DELIVERY, MENUS, Catalogue, Matter
from station.catalogue.search import find_matters
from station.catalogue.views import (
    Choice,
    Eligibility,
    FieldView,
    MaterialView,
    MatterGuide,
    MatterSummary,
)
from station.people import Resident

HOME_VISIT_AGE = 80


def catalogue() -> Catalogue:
    return load_catalogue()


def matter(code: str) -> Matter:
    """The matter, or ``intake.matter_unknown`` (what staff typed is echoed, never personal)."""
    cat = catalogue()
    if (code or "").strip().upper() not in cat:
        raise StationError("intake.matter_unknown", code=(code or "").strip()[:10])
    return cat.get(code)


def line_code(m: Matter) -> str:
    return catalogue().line(m.line).prefix


def line_name(code_or_name: str) -> str:
    """The line's Chinese name (the catalogue's key) for a prefix or a name."""
    try:
        return catalogue().line(code_or_name).name
    except StationError:
        return code_or_name


def line_prefix(code_or_name: str) -> str:
    """The line's code ("MZ") for a code or a Chinese name ("民政")."""
    try:
        return catalogue().line(code_or_name.strip()).prefix
    except StationError:
        return code_or_name.strip().upper()


def display_name(m: Matter) -> str:
    """The matter's name in the interface language (the catalogue's Chinese by default)."""
    return m.name_en if get_locale() == "en" and m.name_en else m.name


def summary(m: Matter) -> MatterSummary:
    ln = catalogue().line(m.line)
    return MatterSummary(
        code=m.code, name=display_name(m), line=ln.prefix,
        line_name=ln.name_en if get_locale() == "en" else ln.name,
        menus=m.menus, time_limit_days=m.time_limit_days, home_visit=m.home_visit)


def lines() -> list[Choice]:
    en = get_locale() == "en"
    return [Choice(ln.prefix, ln.name_en if en else ln.name) for ln in catalogue().lines]


def menus() -> list[Choice]:
    return [Choice(m, t(f"service.menu_{i}")) for i, m in enumerate(MENUS)]


def known_sites() -> list[str]:
    return [s.name for s in catalogue().sites]


def search(query: str, *, line: str | None = None, menu: str | None = None) -> list[MatterSummary]:
    cat = catalogue()
    found = find_matters(cat, query) if (query or "").strip() else list(cat)
    if line:
        wanted = line_name(line)
        found = [m for m in found if m.line == wanted]
    if menu:
        found = [m for m in found if menu in m.menus]
    return [summary(m) for m in found]


def material_view(mat) -> MaterialView:
    key = {"原件": "service.material_original", "复印件": "service.material_copy"}.get(
        mat.form, "service.material_both")
    detail = t(key, count=mat.count)
    if mat.notes:
        detail = f"{detail}（{mat.notes}）"
    cond = mat.required_if
    return MaterialView(code=mat.code, name=mat.name, detail=detail, required=not mat.optional,
                        condition=(cond.field, cond.values) if cond is not None else None)


def field_view(f) -> FieldView:
    return FieldView(key=f.key, label=label_of(f), kind=f.type,
                     required=f.required, choices=tuple(Choice(c, c) for c in f.choices),
                     hint=hint_of(f), max_length=f.max_length,
                     default=f.default)


def deliveries(m: Matter) -> tuple[Choice, ...]:
    return tuple(Choice(d, t(f"service.delivery_{d}")) for d in m.delivery if d in DELIVERY)


def eligibility(m: Matter, resident: Resident, today: date) -> Eligibility:
    """What the ID number tells (age, sex); the rest becomes questions for staff."""
    result = check_eligibility(m, age=resident.age(today), sex=resident.id.sex)
    return Eligibility(ok=result.ok, reason="；".join(result.reasons),
                       to_confirm=tuple(result.to_confirm), review=m.eligibility.review)


def due_date(m: Matter, today: date) -> date:
    return add_working_days(today, m.time_limit_days) if m.time_limit_days else today


def due_estimated(m: Matter, today: date) -> bool:
    """Whether ``due_date`` rests on the statutory estimate (a year with no notice yet)."""
    return due(today, m.time_limit_days).estimated


def guide(code: str, resident: Resident | None, today: date) -> MatterGuide:
    m = matter(code)
    return MatterGuide(
        matter=summary(m),
        materials=tuple(material_view(x) for x in m.materials),
        fields=tuple(field_view(f) for f in m.fields),
        eligibility=eligibility(m, resident, today) if resident else None,
        deliveries=deliveries(m),
        due_date=due_date(m, today) if m.time_limit_days else None,
        notes=m.notes,
        due_estimated=due_estimated(m, today),
    )


def validate_field(code: str, key: str, value: str, today: date) -> str | None:
    """One field alone (conditions on other fields are checked when the case is recorded)."""
    m = matter(code)
    try:
        f = m.field(key)
    except KeyError:
        return t("intake.field_unknown", matter=m.code, field=key)
    if not (value or "").strip():
        return None if not f.required else validate_answers(m, {key: ""}, today=today).get(key)
    return validate_answers(m, {key: value}, today=today).get(key)


def missing_materials(code: str, ticked: Iterable[str], answers: Mapping[str, str] | None = None,
                      delivery: str | None = None) -> list[MaterialView]:
    """Materials the answers make needed and staff did not tick."""
    m = matter(code)
    have = set(ticked)
    return [material_view(x) for x in m.materials
            if x.needed(answers or {}, delivery) and x.code not in have]


def resident_hints(resident: Resident, today: date) -> list[str]:
    age = resident.age(today)
    hints = [t(key) for key in resident.warnings]  # e.g. the card has expired
    if resident.source == "training":
        hints.append(t("service.hint_training"))
    elif resident.source == "card":
        is_idcard = getattr(resident, "card_kind", "") == "idcard"
        hints.append(t("idcard.hint_idcard" if is_idcard else "service.hint_card"))
    if age >= HOME_VISIT_AGE:
        hints.append(t("service.hint_80_plus"))
    elif age >= 60:
        hints.append(t("service.hint_60_plus"))
    elif age < 18:
        hints.append(t("service.hint_minor"))
    return hints
