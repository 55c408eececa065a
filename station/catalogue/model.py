"""The catalogue of the matters: lines, matters, materials, form fields, eligibility.

Why a typed model apart from its loader (``station.catalogue.loader``): everything
that reads the catalogue — the desk's views, validation, search, papers — depends
on these shapes only, and the loader that checks the district's data file depends
on them too, never the other way round.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from shared.errors import StationError
from shared.i18n import t

MENUS = ("老年人", "中年人", "青年人", "妇女", "儿童")
DELIVERY = ("centre", "visit", "post")
FIELD_TYPES = ("text", "date", "phone", "money", "number", "integer", "choice", "id_number", "bool")
MATERIAL_FORMS = ("原件", "复印件", "原件及复印件")
RESIDENCE = ("household", "shanghai", "any")
# Conditions staff confirm with the resident (no card or register tells the station these).
FLAGS = ("care_assessed", "unemployed", "unemployed_registered", "insured", "only_child_parent",
         "only_child_lost", "low_income", "veteran", "entitled_group")
WHEN = ("past", "future")
# Who stands behind a source: the issuing body itself, or a third party repeating it.
AUTHORITY = ("official", "third_party")
# Message keys of the menus, for the English interface.
MENU_KEYS = {"老年人": "elderly", "中年人": "middle_aged", "青年人": "youth", "妇女": "women",
             "儿童": "children"}


class CatalogueError(StationError):
    """A catalogue file that cannot be used; names where (matter code or section) and field."""

    key = "catalogue.error.entry"

    def __init__(self, where: str, field_name: str, problem: str, **detail: object) -> None:
        self.where = where
        self.field = field_name
        self.problem = problem
        self.detail = detail
        super().__init__(self.key, where=where, field=field_name)

    def message(self) -> str:
        detail = dict(self.detail)
        if "expected" in detail:
            detail["expected"] = t(f"catalogue.kind.{detail['expected']}")
        return t(self.key, where=self.where, field=self.field,
                 problem=t(f"catalogue.problem.{self.problem}", **detail))


class CatalogueFileError(StationError):
    """The file itself is missing or is not TOML."""

    key = "catalogue.error.file"


class UnknownMatter(StationError):
    key = "catalogue.error.unknown_matter"


# ── model ────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    phone: str
    address: str
    name_en: str = ""
    hours: str = ""
    hotline: str = ""
    review: bool = False


@dataclass(frozen=True, slots=True)
class Site:
    code: str
    name: str
    address: str = ""
    schedule: str = ""
    review: bool = False


@dataclass(frozen=True, slots=True)
class Line:
    prefix: str
    name: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Eligibility:
    min_age: int | None = None
    max_age: int | None = None
    disability_required: bool = False
    residence: str = "any"  # household = 上海户籍; shanghai = 户籍或居住证; any
    sex: str | None = None
    flags: tuple[str, ...] = ()
    review: bool = False


@dataclass(frozen=True, slots=True)
class RequiredIf:
    field: str  # another field's key, or "delivery" (the case's delivery choice)
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FormField:
    key: str
    label: str
    label_en: str
    type: str
    required: bool = False
    required_if: RequiredIf | None = None
    pattern: re.Pattern[str] | None = field(default=None, compare=False)
    min: Decimal | None = None
    max: Decimal | None = None
    min_length: int | None = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    default: str = ""  # the normal answer, preselected; "" leaves a choice for staff to make
    when: str | None = None
    after: str | None = None
    hint: str = ""
    hint_en: str = ""
    review: bool = False


@dataclass(frozen=True, slots=True)
class Material:
    code: str
    name: str
    form: str
    count: int = 1
    optional: bool = False
    notes: str = ""
    review: bool = False
    # Needed only when this answer is given (e.g. a bank-card copy when paid to a bank card).
    required_if: RequiredIf | None = None

    def needed(self, answers: Mapping[str, str], delivery: str | None = None) -> bool:
        """Whether the resident must bring it, given the answers recorded."""
        if self.optional:
            return False
        cond = self.required_if
        if cond is None:
            return True
        current = delivery if cond.field == "delivery" else (answers.get(cond.field) or "")
        return current.strip() in cond.values


@dataclass(frozen=True, slots=True)
class Source:
    """Where a matter's rules were checked: a page (url) and/or a document number (doc)."""

    confirms: str
    checked: date
    authority: str
    url: str = ""
    doc: str = ""

    @property
    def ref(self) -> str:
        return self.url or self.doc


@dataclass(frozen=True, slots=True)
class Matter:
    code: str
    name: str
    name_en: str
    line: str
    menus: tuple[str, ...]
    time_limit_days: int
    home_visit: bool
    delivery: tuple[str, ...]
    eligibility: Eligibility
    fields: tuple[FormField, ...]
    materials: tuple[Material, ...]
    full_name: str = ""
    aliases: tuple[str, ...] = ()
    notes: str = ""
    review: bool = False
    review_reason: str = ""
    contact: Contact | None = None
    sources: tuple[Source, ...] = ()
    # Done when accepted (即办): by default a matter with time limit 0 is; an entry says
    # `done_at_acceptance = false` when its 0-day matter still waits on a later step.
    done_at_acceptance: bool = False

    @property
    def display_name(self) -> str:
        return self.full_name or self.name

    def field(self, key: str) -> FormField:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    def material(self, code: str) -> Material:
        for m in self.materials:
            if m.code == code:
                return m
        raise KeyError(code)

    @property
    def needs_review(self) -> bool:
        return (self.review or self.eligibility.review
                or any(f.review for f in self.fields) or any(m.review for m in self.materials))


@dataclass(frozen=True)
class Catalogue:
    version: str
    published: date
    centre: Contact
    sites: tuple[Site, ...]
    lines: tuple[Line, ...]
    matters: tuple[Matter, ...]
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {m.code: m for m in self.matters})

    def get(self, code: str) -> Matter:
        matter = self._by_code.get(code.strip().upper())  # type: ignore[attr-defined]
        if matter is None:
            raise UnknownMatter(code=code.strip()[:10])
        return matter

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code.strip().upper() in self._by_code  # type: ignore[attr-defined]

    def __len__(self) -> int:
        return len(self.matters)

    def __iter__(self):
        return iter(self.matters)

    def line(self, name: str) -> Line:
        """A line by its Chinese name or its code prefix (民政 or MZ)."""
        for ln in self.lines:
            if name in (ln.name, ln.prefix) or name.upper() == ln.prefix:
                return ln
        raise StationError("catalogue.error.unknown_line", line=name[:10])

    def by_line(self) -> dict[str, list[Matter]]:
        """Matters grouped by line, lines in catalogue order (the order of the notice board)."""
        groups: dict[str, list[Matter]] = {ln.name: [] for ln in self.lines}
        for m in self.matters:
            groups[m.line].append(m)
        return groups

    def by_menu(self, menu: str) -> list[Matter]:
        return [m for m in self.matters if menu in m.menus]

    def contact_for(self, matter: Matter) -> Contact:
        """Where a resident brings missing materials: the matter's own office, else the centre."""
        return matter.contact or self.centre

    def site(self, code_or_name: str) -> Site:
        for s in self.sites:
            if code_or_name in (s.code, s.name):
                return s
        raise StationError("catalogue.error.unknown_site", site=code_or_name[:20])
