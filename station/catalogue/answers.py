"""Checking a resident's answers and eligibility against a matter of the catalogue.

Why here and not in the TUI: the CLI (`station case add`), the TUI form and the centre's
re-check all have to agree on what a valid answer is, so the rules live once, in the core,
and every message comes back already translated, keyed by the field it belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from shared.errors import StationError
from shared.i18n import get_locale, t
from shared.text import forbidden_char
from station.catalogue.model import FormField, Matter
from station.people import IdNumberError, parse_id

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(0\d{2,3})?\d{7,8}$")
_MONEY = re.compile(r"^\d{1,12}(\.\d{1,2})?$")
_NUMBER = re.compile(r"^\d{1,12}(\.\d{1,4})?$")
_INTEGER = re.compile(r"^[+-]?\d{1,12}$")
_DATE_FORMS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
)
_TRUE = {"是", "y", "yes", "true", "1", "有"}
_FALSE = {"否", "n", "no", "false", "0", "无"}


class AnswersInvalid(StationError):
    """Raised by clean_answers; ``errors`` maps field key to a translated message."""

    key = "catalogue.answer.invalid"

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("catalogue.answer.invalid", count=len(errors))


class _Bad(Exception):
    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def label_of(f: FormField) -> str:
    """The field's label in the interface language (the catalogue carries zh and en)."""
    return f.label_en if get_locale() == "en" and f.label_en else f.label


def hint_of(f: FormField) -> str:
    """The field's input hint in the interface language."""
    return f.hint_en if get_locale() == "en" and f.hint_en else f.hint


def validate_answers(matter: Matter, answers: Mapping[str, str], *, delivery: str | None = None,
                     today: date | None = None) -> dict[str, str]:
    """Field key → translated problem; an empty dict means the answers can be recorded."""
    return _run(matter, answers, delivery, today or date.today())[1]


def clean_answers(matter: Matter, answers: Mapping[str, str], *, delivery: str | None = None,
                  today: date | None = None) -> dict[str, object]:
    """Typed values (date, Decimal, int, bool, str) for the answered fields, or AnswersInvalid."""
    values, errors = _run(matter, answers, delivery, today or date.today())
    if errors:
        raise AnswersInvalid(errors)
    return values


def _run(matter: Matter, answers: Mapping[str, str], delivery: str | None,
         today: date) -> tuple[dict[str, object], dict[str, str]]:
    texts = {k: ("" if v is None else str(v)).strip() for k, v in answers.items()}
    values: dict[str, object] = {}
    errors: dict[str, str] = {}
    known = {f.key for f in matter.fields}
    for key in texts:
        if key not in known:
            errors[key] = t("catalogue.answer.unknown", field=key)
    for f in matter.fields:
        text = texts.get(f.key, "")
        try:
            if (bad := forbidden_char(text)) is not None:
                raise _Bad("text.control_char", field=label_of(f), position=bad[0],
                           char=bad[1])
            if not text:
                if _is_required(f, texts, delivery):
                    raise _Bad("catalogue.answer.required")
                continue
            values[f.key] = _parse(f, text, today)
        except _Bad as bad:
            errors[f.key] = t(bad.key, label=label_of(f), **bad.params)
    # Cross-field order checks, once both ends parsed.
    for f in matter.fields:
        if f.after and f.key in values and f.after in values:
            first = values[f.after]
            if isinstance(first, date) and values[f.key] <= first:  # type: ignore[operator]
                other = matter.field(f.after)
                errors[f.key] = t("catalogue.answer.after", label=label_of(f),
                                  other=label_of(other))
                del values[f.key]
    return values, errors


def _is_required(f: FormField, texts: Mapping[str, str], delivery: str | None) -> bool:
    if f.required:
        return True
    cond = f.required_if
    if cond is None:
        return False
    current = delivery if cond.field == "delivery" else texts.get(cond.field, "")
    return current in cond.values


def _parse(f: FormField, text: str, today: date) -> object:
    value: object
    if f.type == "text":
        if f.min_length is not None and len(text) < f.min_length:
            raise _Bad("catalogue.answer.too_short", min=f.min_length)
        if f.max_length is not None and len(text) > f.max_length:
            raise _Bad("catalogue.answer.too_long", max=f.max_length)
        value = text
    elif f.type == "phone":
        value = re.sub(r"[\s\-()]", "", text)
        if value.startswith("+86"):
            value = value[3:]
        if not (_MOBILE.match(value) or _LANDLINE.match(value)):
            raise _Bad("catalogue.answer.phone")
    elif f.type in ("money", "number", "integer"):
        value = _number(f, text)
    elif f.type == "date":
        value = _date(f, text, today)
    elif f.type == "choice":
        if text not in f.choices:
            raise _Bad("catalogue.answer.choice", choices="、".join(f.choices))
        value = text
    elif f.type == "bool":
        low = text.lower()
        if low not in _TRUE | _FALSE:
            raise _Bad("catalogue.answer.bool")
        value = low in _TRUE
    elif f.type == "id_number":
        try:
            value = parse_id(text, on=today).number
        except IdNumberError as err:
            raise _Bad("catalogue.answer.id_number", problem=err.message()) from None
    else:  # pragma: no cover - the loader only admits known types
        raise _Bad("catalogue.answer.type")
    if f.pattern is not None and not f.pattern.fullmatch(str(value)):
        raise _Bad("catalogue.answer.pattern", hint=hint_of(f) or t("catalogue.answer.no_hint"))
    return value


def _number(f: FormField, text: str) -> Decimal | int:
    cleaned = text.replace(",", "").replace("，", "")
    if f.type == "money":
        cleaned = cleaned.removeprefix("¥").removeprefix("￥").removesuffix("元").strip()
    shape = {"money": _MONEY, "number": _NUMBER, "integer": _INTEGER}[f.type]
    if not shape.match(cleaned):
        raise _Bad(f"catalogue.answer.{f.type}")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the shapes above admit only decimals
        raise _Bad(f"catalogue.answer.{f.type}") from None
    if f.min is not None and number < f.min:
        raise _Bad("catalogue.answer.min", min=_plain(f.min))
    if f.max is not None and number > f.max:
        raise _Bad("catalogue.answer.max", max=_plain(f.max))
    return int(number) if f.type == "integer" else number


def _plain(d: Decimal) -> str:
    return format(d.normalize(), "f")


def _date(f: FormField, text: str, today: date) -> date:
    for form in _DATE_FORMS:
        m = form.match(text)
        if m:
            try:
                value = date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                raise _Bad("catalogue.answer.date_invalid") from None
            break
    else:
        raise _Bad("catalogue.answer.date")
    if f.when == "past" and value > today:
        raise _Bad("catalogue.answer.future")
    if f.when == "future" and value < today:
        raise _Bad("catalogue.answer.past")
    return value


# ── eligibility ──────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class EligibilityResult:
    """ok is False only on a definite failure; to_confirm lists what staff must ask about."""

    ok: bool
    reasons: list[str] = field(default_factory=list)
    to_confirm: list[str] = field(default_factory=list)


def check_eligibility(matter: Matter, *, age: int | None, disabled: bool | None = None,
                      household: bool | None = None, permit: bool | None = None,
                      sex: str | None = None,
                      flags: Iterable[str] | None = None) -> EligibilityResult:
    """Evaluate the machine-checkable rules; None means "not known" and becomes a question.

    household: has Shanghai 户籍; permit: holds a Shanghai 居住证; flags: conditions the
    resident has confirmed (see catalogue.FLAGS).
    """
    rule = matter.eligibility
    reasons: list[str] = []
    confirm: list[str] = []
    if age is None:
        if rule.min_age is not None or rule.max_age is not None:
            confirm.append(t("catalogue.eligibility.confirm_age", range=_age_range(rule)))
    else:
        if rule.min_age is not None and age < rule.min_age:
            reasons.append(t("catalogue.eligibility.too_young", min=rule.min_age, age=age))
        if rule.max_age is not None and age > rule.max_age:
            reasons.append(t("catalogue.eligibility.too_old", max=rule.max_age, age=age))
    if rule.disability_required:
        if disabled is None:
            confirm.append(t("catalogue.eligibility.confirm_disabled"))
        elif not disabled:
            reasons.append(t("catalogue.eligibility.disability"))
    if rule.residence == "household":
        if household is None:
            confirm.append(t("catalogue.eligibility.confirm_household"))
        elif not household:
            reasons.append(t("catalogue.eligibility.household"))
    elif rule.residence == "shanghai":
        if household is None and permit is None:
            confirm.append(t("catalogue.eligibility.confirm_shanghai"))
        elif not household and not permit:
            if household is False and permit is False:
                reasons.append(t("catalogue.eligibility.shanghai"))
            else:
                confirm.append(t("catalogue.eligibility.confirm_shanghai"))
    if rule.sex is not None:
        if sex is None:
            confirm.append(t(f"catalogue.eligibility.confirm_sex_{rule.sex}"))
        elif sex != rule.sex:
            reasons.append(t(f"catalogue.eligibility.sex_{rule.sex}"))
    given = None if flags is None else set(flags)
    for flag in rule.flags:
        if given is None:
            confirm.append(t(f"catalogue.flag.{flag}"))
        elif flag not in given:
            condition = t(f"catalogue.flag.{flag}")
            reasons.append(t("catalogue.eligibility.flag_missing", condition=condition))
    return EligibilityResult(ok=not reasons, reasons=reasons, to_confirm=confirm)


def _age_range(rule) -> str:
    if rule.min_age is not None and rule.max_age is not None:
        return t("catalogue.eligibility.age_between", min=rule.min_age, max=rule.max_age)
    if rule.min_age is not None:
        return t("catalogue.eligibility.age_at_least", min=rule.min_age)
    return t("catalogue.eligibility.age_at_most", max=rule.max_age)
