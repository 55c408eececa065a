"""The catalogue as the desk's screens get it: small frozen rows with words translated.

Why in the catalogue package: these are matters, materials, form fields and
eligibility seen from the desk — built only by ``station.catalogue.matters`` — and
keeping them here means the catalogue depends on nothing of the cases or the
façade.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal


@dataclass(frozen=True)
class Choice:
    value: str
    label: str  # translated / catalogue text


@dataclass(frozen=True)
class MatterSummary:
    """One row of the matter picker."""

    code: str  # "MZ01"
    name: str  # "敬老卡申领"
    line: str  # line code, e.g. "MZ"
    line_name: str  # "民政"
    menus: tuple[str, ...]  # population menus listing it: subset of Service.menus() values
    time_limit_days: int  # 承诺时限 in working days; 0 = 即办
    home_visit: bool  # can be done on a home visit


@dataclass(frozen=True)
class MaterialView:
    code: str
    name: str  # "户口簿"
    detail: str  # "原件 1 份" / "复印件 2 份" (translated)
    required: bool  # False: only needed in some situations (the name says which)
    # Needed only when this field (or "delivery") has one of these answers; None: always.
    condition: tuple[str, tuple[str, ...]] | None = None

    def applies(self, answers: Mapping[str, str], delivery: str | None = None) -> bool:
        """Whether the resident must bring it, given the answers so far."""
        if not self.required:
            return False
        if self.condition is None:
            return True
        key, values = self.condition
        current = delivery if key == "delivery" else answers.get(key, "")
        return (current or "").strip() in values


@dataclass(frozen=True)
class FieldView:
    """A form field as the TUI should render it; ``validate_field`` checks one value live."""

    key: str
    label: str
    # the catalogue's field types (station.catalogue.model.FIELD_TYPES)
    kind: Literal["text", "date", "phone", "money", "number", "integer", "choice", "id_number",
                  "bool"]
    required: bool
    choices: tuple[Choice, ...] = ()  # for kind == "choice"
    hint: str = ""  # placeholder / example text
    max_length: int | None = None
    default: str = ""  # the catalogue's normal answer, preselected; "" = staff must choose


@dataclass(frozen=True)
class Eligibility:
    ok: bool  # False only on a definite failure (e.g. age from the ID number)
    reason: str = ""  # translated sentence(s) when not ok
    to_confirm: tuple[str, ...] = ()  # conditions staff must ask the resident about
    review: bool = False  # the rule is marked "to be confirmed" in the catalogue


@dataclass(frozen=True)
class MatterGuide:
    """办事指南 for one matter and (optionally) one resident."""

    matter: MatterSummary
    materials: tuple[MaterialView, ...]
    fields: tuple[FieldView, ...]
    eligibility: Eligibility | None  # None when no resident was given
    deliveries: tuple[Choice, ...]  # allowed ways the result reaches the resident, default first
    due_date: date | None  # today + time limit in working days (None for 即办 = today)
    notes: str = ""  # extra guidance from the catalogue
    due_estimated: bool = False  # due_date counted through a year with no published notice
