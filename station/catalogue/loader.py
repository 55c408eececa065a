"""The catalogue data file: find it, read it, check every field, build the model.

Why a validating loader: the file is data the district centre edits and republishes; a typo
there must stop the station with a sentence naming the matter and the field, not surface
later as a crash in the middle of a resident's case.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from shared.text import forbidden_char
from station.catalogue.model import (
    AUTHORITY,
    DELIVERY,
    FIELD_TYPES,
    FLAGS,
    MATERIAL_FORMS,
    MENUS,
    RESIDENCE,
    WHEN,
    Catalogue,
    CatalogueError,
    CatalogueFileError,
    Contact,
    Eligibility,
    FormField,
    Line,
    Material,
    Matter,
    RequiredIf,
    Site,
    Source,
)
from station.datafile import UpdatableDataFile

_CODE_RE = re.compile(r"^[A-Z]{2}\d{2}$")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def default_path() -> Path:
    return CATALOGUE_FILE.packaged_path()


def installed_path() -> Path:
    """Where a catalogue the centre published is kept once validated (see install_catalogue)."""
    return CATALOGUE_FILE.installed_path()


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """The catalogue in force, validated: a given file, else the centre's installed update,
    else the copy shipped in the package (see station/datafile.py)."""
    return CATALOGUE_FILE.load(path)


def loads_catalogue(text: str, source: str = "") -> Catalogue:
    """Validate catalogue text (e.g. as pulled from the centre) without installing it."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise CatalogueFileError("catalogue.error.syntax", path=source or "-",
                                 detail=str(err)) from None
    return parse_catalogue(data, source=source)


def install_catalogue(text: str) -> Catalogue:
    """Validate a published catalogue and make it the one in force (atomic replace).

    An older publication than the one in force is refused, so a replayed or late pull
    cannot roll the desk back to last year's rules.
    """
    new = loads_catalogue(text, source="centre")
    current = load_catalogue()
    if (new.published, _version_key(new.version)) < (current.published,
                                                      _version_key(current.version)):
        raise CatalogueFileError("catalogue.error.older", version=new.version,
                                 current=current.version)
    CATALOGUE_FILE.install(text)
    return load_catalogue()


def _version_key(version: str) -> tuple[tuple[int, str], ...]:
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in re.split(r"[.\-]", version))


def read_toml(path: Path) -> dict[str, Any]:
    """A data file's TOML, with unreadable or malformed files as one typed, worded error."""
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8"))
    except OSError as err:
        raise CatalogueFileError("catalogue.error.file", path=str(path),
                                 detail=err.strerror or type(err).__name__) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise CatalogueFileError("catalogue.error.syntax", path=str(path),
                                 detail=str(err)) from None


def _load(path: Path) -> Catalogue:
    return parse_catalogue(read_toml(path), source=str(path))


CATALOGUE_FILE = UpdatableDataFile("catalogue.toml", _load, logger="station.catalogue.loader")


class _Table:
    """Typed access to one TOML table that reports problems by where/field and rejects typos."""

    def __init__(self, data: Any, where: str, prefix: str = "") -> None:
        self.where = where
        self.prefix = prefix
        if not isinstance(data, dict):
            raise CatalogueError(where, prefix.rstrip(".") or "-", "type", expected="table")
        self.data = data
        self.used: set[str] = set()

    def name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def fail(self, key: str, problem: str, **detail: object) -> CatalogueError:
        return CatalogueError(self.where, self.name(key), problem, **detail)

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ..., *,
            expected: str) -> Any:
        self.used.add(key)
        if key not in self.data:
            if default is ...:
                raise self.fail(key, "missing")
            return default
        value = self.data[key]
        # bool is an int in Python; a number field given `true` is still a type error.
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _tuple(kind)):
            raise self.fail(key, "type", expected=expected)
        return value

    def text(self, key: str, default: Any = ..., *, nonempty: bool = True) -> Any:
        present = key in self.data
        value = self.get(key, str, default, expected="text")
        if nonempty and present and not value.strip():
            raise self.fail(key, "empty")
        return value

    def flag(self, key: str) -> bool:
        return self.get(key, bool, False, expected="bool")

    def integer(self, key: str, default: Any = ..., *, low: int | None = None,
                high: int | None = None) -> Any:
        value = self.get(key, int, default, expected="integer")
        if isinstance(value, int) and ((low is not None and value < low)
                                       or (high is not None and value > high)):
            raise self.fail(key, "range", low=low if low is not None else "-",
                            high=high if high is not None else "-")
        return value

    def texts(self, key: str, default: Any = ..., *, allowed: tuple[str, ...] | None = None,
              nonempty: bool = True) -> tuple[str, ...]:
        if key not in self.data and default is not ...:
            self.used.add(key)
            return tuple(default)
        items = list(self.get(key, list, expected="list"))
        if nonempty and not items:
            raise self.fail(key, "empty")
        for item in items:
            if not isinstance(item, str) or not item.strip():
                raise self.fail(key, "type", expected="list")
            if allowed is not None and item not in allowed:
                raise self.fail(key, "choice", value=item, allowed="/".join(allowed))
        if len(set(items)) != len(items):
            raise self.fail(key, "duplicate")
        return tuple(items)

    def choice(self, key: str, allowed: tuple[str, ...], default: Any = ...) -> Any:
        value = self.text(key, default)
        if value is not default and value not in allowed:
            raise self.fail(key, "choice", value=value, allowed="/".join(allowed))
        return value

    def tables(self, key: str, default: Any = ...) -> list[Any]:
        value = self.get(key, list, default, expected="list")
        return list(value or [])

    def done(self) -> None:
        for key in self.data:
            if key not in self.used:
                raise self.fail(key, "unknown")


def _tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _plain_texts(value: object, where: str) -> None:
    """Every text in a catalogue (keys too) is plain (shared/text.py); guidance may
    keep line breaks and tabs."""
    if isinstance(value, dict):
        for key, item in value.items():
            _plain_texts(str(key), where)
            _plain_texts(item, f"{where}.{key}" if str(key).isidentifier() else where)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _plain_texts(item, f"{where}[{i}]")
    elif isinstance(value, str) and (bad := forbidden_char(value, multiline=True)):
        head, _, field = where.rpartition(".")
        raise CatalogueError(head or where, field or "-", "control_char", position=bad[0],
                             char=bad[1])


def parse_catalogue(data: dict[str, Any], source: str = "") -> Catalogue:
    """Validate a decoded catalogue; the first problem found raises CatalogueError."""
    _plain_texts(data, "catalogue")
    top = _Table(data, "catalogue")
    version = top.text("version")
    published = top.get("published", date, expected="date")
    centre = _contact(top.get("centre", dict, expected="table"), "centre")
    sites = tuple(_site(raw, i) for i, raw in enumerate(top.tables("sites")))
    _unique([s.code for s in sites], "sites", "code")
    lines = tuple(_line(raw, i) for i, raw in enumerate(top.tables("lines")))
    _unique([ln.name for ln in lines], "lines", "name")
    _unique([ln.prefix for ln in lines], "lines", "prefix")
    common_raw = top.tables("common_fields", [])
    common = tuple(_form_field(raw, "common_fields", f"common_fields[{i}].")
                   for i, raw in enumerate(common_raw))
    matters_raw = top.tables("matters")
    top.done()
    if not matters_raw:
        raise CatalogueError("catalogue", "matters", "empty")
    matters: list[Matter] = []
    seen: set[str] = set()
    for i, raw in enumerate(matters_raw):
        matter = _matter(raw, i, lines, common, published)
        if matter.code in seen:
            raise CatalogueError(matter.code, "code", "duplicate")
        seen.add(matter.code)
        matters.append(matter)
    for menu in MENUS:
        if not any(menu in m.menus for m in matters):
            raise CatalogueError("catalogue", "menus", "menu_empty", menu=menu)
    for ln in lines:
        if not any(m.line == ln.name for m in matters):
            raise CatalogueError(f"lines[{ln.prefix}]", "name", "line_empty")
    return Catalogue(version=version, published=published, centre=centre, sites=sites,
                     lines=lines, matters=tuple(matters), source=source)


def _unique(values: list[str], where: str, key: str) -> None:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            raise CatalogueError(where, key, "duplicate")
        seen.add(v)


def _contact(raw: Any, where: str) -> Contact:
    tb = _Table(raw, where)
    contact = Contact(name=tb.text("name"), phone=tb.text("phone"), address=tb.text("address"),
                      name_en=tb.text("name_en", ""), hours=tb.text("hours", ""),
                      hotline=tb.text("hotline", ""), review=tb.flag("review"))
    tb.done()
    return contact


def _site(raw: Any, i: int) -> Site:
    tb = _Table(raw, f"sites[{i}]")
    site = Site(code=tb.text("code"), name=tb.text("name"), address=tb.text("address", ""),
                schedule=tb.text("schedule", ""), review=tb.flag("review"))
    tb.done()
    return site


def _line(raw: Any, i: int) -> Line:
    tb = _Table(raw, f"lines[{i}]")
    prefix = tb.text("prefix")
    if not re.fullmatch(r"[A-Z]{2}", prefix):
        raise tb.fail("prefix", "format", example="MZ")
    line = Line(prefix=prefix, name=tb.text("name"), name_en=tb.text("name_en"))
    tb.done()
    return line


def _matter(raw: Any, i: int, lines: tuple[Line, ...], common: tuple[FormField, ...],
            published: date) -> Matter:
    where = raw.get("code") if isinstance(raw, dict) and isinstance(raw.get("code"), str) else None
    tb = _Table(raw, where or f"matters[{i}]")
    code = tb.text("code")
    if not _CODE_RE.match(code):
        raise tb.fail("code", "format", example="MZ01")
    line_name = tb.text("line")
    line = next((ln for ln in lines if ln.name == line_name), None)
    if line is None:
        raise tb.fail("line", "choice", value=line_name,
                      allowed="/".join(ln.name for ln in lines))
    if not code.startswith(line.prefix):
        raise tb.fail("code", "prefix", prefix=line.prefix)
    contact_raw = tb.get("contact", dict, None, expected="table")
    use_common = tb.flag("common_fields") if "common_fields" in tb.data else True
    eligibility = _eligibility(tb.get("eligibility", dict, {}, expected="table"), code)
    own_fields = tuple(_form_field(f, code, f"fields[{j}].")
                       for j, f in enumerate(tb.tables("fields", [])))
    fields = (common if use_common else ()) + own_fields
    _check_fields(fields, code)
    delivery = tb.texts("delivery", allowed=DELIVERY)
    materials = tuple(_material(m, code, j, fields, delivery)
                      for j, m in enumerate(tb.tables("materials")))
    if not materials:
        raise tb.fail("materials", "empty")
    _unique_in(code, "materials", [m.code for m in materials])
    sources = tuple(_source(s, code, j, published)
                    for j, s in enumerate(tb.tables("sources", [])))
    matter = Matter(
        code=code,
        name=tb.text("name"),
        full_name=tb.text("full_name", ""),
        aliases=tb.texts("aliases", ()),
        name_en=tb.text("name_en"),
        line=line.name,
        # Board order (老 中 青 妇 儿), whatever order the file lists them in.
        menus=tuple(sorted(tb.texts("menus", allowed=MENUS), key=MENUS.index)),
        time_limit_days=(limit := tb.integer("time_limit_days", low=0, high=365)),
        done_at_acceptance=tb.get("done_at_acceptance", bool, limit == 0, expected="bool"),
        home_visit=tb.get("home_visit", bool, expected="bool"),
        delivery=delivery,
        eligibility=eligibility,
        fields=fields,
        materials=materials,
        notes=tb.text("notes", ""),
        review=tb.flag("review"),
        review_reason=tb.text("review_reason", ""),
        contact=_contact(contact_raw, f"{code}.contact") if contact_raw is not None else None,
        sources=sources,
    )
    tb.done()
    # Every rule either rests on a source or says why it still waits for an administrator.
    if matter.needs_review and not matter.review_reason:
        raise tb.fail("review_reason", "missing")
    if not matter.needs_review and not matter.sources:
        raise tb.fail("sources", "unsourced")
    return matter


_URL_RE = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$")


def _source(raw: Any, code: str, j: int, published: date) -> Source:
    tb = _Table(raw, code, f"sources[{j}].")
    url = tb.text("url", "")
    doc = tb.text("doc", "")
    if not url and not doc:
        raise tb.fail("url", "missing")
    if url and (len(url) > 500 or not _URL_RE.match(url)):
        raise tb.fail("url", "format", example="https://zwdt.sh.gov.cn/…")
    if len(doc) > 120:
        raise tb.fail("doc", "range", low=1, high=120)
    checked = tb.get("checked", date, expected="date")
    # tomllib gives datetime (a date subclass) for a date-time; a check has a day, not a time.
    if isinstance(checked, datetime):
        raise tb.fail("checked", "type", expected="date")
    if not date(2000, 1, 1) <= checked <= published:
        raise tb.fail("checked", "range", low="2000-01-01", high=published.isoformat())
    confirms = tb.text("confirms")
    if len(confirms) > 300:
        raise tb.fail("confirms", "range", low=1, high=300)
    source = Source(confirms=confirms, checked=checked,
                    authority=tb.choice("authority", AUTHORITY), url=url, doc=doc)
    tb.done()
    return source


def _material(raw: Any, code: str, j: int, fields: tuple[FormField, ...],
              delivery: tuple[str, ...]) -> Material:
    tb = _Table(raw, code, f"materials[{j}].")
    mcode = tb.text("code")
    if not _KEY_RE.match(mcode):
        raise tb.fail("code", "format", example="id")
    required_if = _condition(tb, code, f"materials[{j}].")
    material = Material(code=mcode, name=tb.text("name"), form=tb.choice("form", MATERIAL_FORMS),
                        count=tb.integer("count", 1, low=1, high=20),
                        optional=tb.flag("optional"), notes=tb.text("notes", ""),
                        review=tb.flag("review"), required_if=required_if)
    tb.done()
    if required_if is not None:
        # Strict: the answer that makes the material needed must be one staff can give.
        if material.optional:
            raise tb.fail("required_if", "both_optional")
        if required_if.field == "delivery":
            allowed: tuple[str, ...] = delivery
        else:
            target = next((f for f in fields if f.key == required_if.field), None)
            if target is None or target.type != "choice":
                raise tb.fail("required_if.field", "no_such_choice", value=required_if.field)
            allowed = target.choices
        for v in required_if.values:
            if v not in allowed:
                raise tb.fail("required_if.value", "choice", value=v, allowed="/".join(allowed))
    return material


def _condition(tb: _Table, where: str, prefix: str) -> RequiredIf | None:
    cond = tb.get("required_if", dict, None, expected="table")
    if cond is None:
        return None
    ct = _Table(cond, where, f"{prefix}required_if.")
    target = ct.text("field")
    value = ct.get("value", (str, list), expected="text")
    values = (value,) if isinstance(value, str) else ct.texts("value")
    ct.done()
    return RequiredIf(field=target, values=values)


def _unique_in(code: str, what: str, keys: list[str]) -> None:
    seen: set[str] = set()
    for j, k in enumerate(keys):
        if k in seen:
            raise CatalogueError(code, f"{what}[{j}]", "duplicate")
        seen.add(k)


def _eligibility(raw: Any, code: str) -> Eligibility:
    tb = _Table(raw, code, "eligibility.")
    el = Eligibility(
        min_age=tb.integer("min_age", None, low=0, high=130),
        max_age=tb.integer("max_age", None, low=0, high=130),
        disability_required=tb.flag("disability_required"),
        residence=tb.choice("residence", RESIDENCE, "any"),
        sex=tb.choice("sex", ("M", "F"), None),
        flags=tb.texts("flags", (), allowed=FLAGS),
        review=tb.flag("review"),
    )
    tb.done()
    if el.min_age is not None and el.max_age is not None and el.min_age > el.max_age:
        raise tb.fail("max_age", "range", low=el.min_age, high=130)
    return el


def _decimal(tb: _Table, key: str) -> Decimal | None:
    value = tb.get(key, (int, float), None, expected="number")
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:  # pragma: no cover - tomllib numbers always convert
        raise tb.fail(key, "type", expected="number") from None


def _form_field(raw: Any, where: str, prefix: str) -> FormField:
    tb = _Table(raw, where, prefix)
    key = tb.text("key")
    if not _KEY_RE.match(key) or key == "delivery":
        raise tb.fail("key", "format", example="bank_account")
    kind = tb.choice("type", FIELD_TYPES)
    pattern_text = tb.text("pattern", None)
    pattern = None
    if pattern_text is not None:
        try:
            pattern = re.compile(pattern_text)
        except re.error:
            raise tb.fail("pattern", "regex") from None
    required_if = _condition(tb, where, prefix)
    ff = FormField(
        key=key,
        label=tb.text("label"),
        label_en=tb.text("label_en"),
        type=kind,
        required=tb.flag("required"),
        required_if=required_if,
        pattern=pattern,
        min=_decimal(tb, "min"),
        max=_decimal(tb, "max"),
        min_length=tb.integer("min_length", None, low=0),
        max_length=tb.integer("max_length", None, low=1),
        choices=tb.texts("choices", ()),
        default=tb.text("default", ""),
        when=tb.choice("when", WHEN, None),
        after=tb.text("after", None),
        hint=tb.text("hint", ""),
        hint_en=tb.text("hint_en", ""),
        review=tb.flag("review"),
    )
    tb.done()
    if ff.hint and not ff.hint_en:  # the English interface shows it too
        raise tb.fail("hint_en", "missing")
    if kind == "choice" and not ff.choices:
        raise tb.fail("choices", "missing")
    if ff.default and kind != "choice":
        raise tb.fail("default", "not_for_type", type=kind)
    if ff.default and ff.default not in ff.choices:
        raise tb.fail("default", "choice", value=ff.default, allowed="/".join(ff.choices))
    if ff.choices and kind != "choice":
        raise tb.fail("choices", "not_for_type", type=kind)
    if (ff.min is not None or ff.max is not None) and kind not in ("money", "number", "integer"):
        raise tb.fail("min" if ff.min is not None else "max", "not_for_type", type=kind)
    if ff.min is not None and ff.max is not None and ff.min > ff.max:
        raise tb.fail("max", "range", low=ff.min, high="-")
    if (ff.when or ff.after) and kind != "date":
        raise tb.fail("when" if ff.when else "after", "not_for_type", type=kind)
    if ff.required and ff.required_if:
        raise tb.fail("required_if", "both_required")
    return ff


def _check_fields(fields: tuple[FormField, ...], code: str) -> None:
    """Cross-field checks: unique keys, and conditions pointing at fields that exist."""
    keys = [f.key for f in fields]
    _unique_in(code, "fields", keys)
    by_key = {f.key: f for f in fields}
    for j, f in enumerate(fields):
        if f.required_if is not None and f.required_if.field != "delivery":
            target = by_key.get(f.required_if.field)
            if target is None or target.key == f.key:
                raise CatalogueError(code, f"fields[{j}].required_if.field", "no_such_field",
                                     value=f.required_if.field)
            if target.type == "choice":
                for v in f.required_if.values:
                    if v not in target.choices:
                        raise CatalogueError(code, f"fields[{j}].required_if.value", "choice",
                                             value=v, allowed="/".join(target.choices))
        if f.after is not None:
            target = by_key.get(f.after)
            if target is None or target.type != "date" or target.key == f.key:
                raise CatalogueError(code, f"fields[{j}].after", "no_such_field", value=f.after)
