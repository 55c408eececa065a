"""Cases for every matter of the catalogue, recorded into a real station queue.

Why generated from the catalogue: the export must carry every field of every matter, so
the answers are made from each field's own rule (type, choices, pattern, min/max, when,
after), and checked by the station's validator before they are recorded.
"""

from __future__ import annotations

import random
import string
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache

from station.cases import validation
from station.cases.model import CaseDraft
from station.cases.store import CaseStore
from station.catalogue import matters
from station.catalogue.answers import validate_answers
from station.catalogue.loader import load_catalogue
from station.people import Agent, Resident, parse_id

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"


@cache
def _from_pattern(pattern: str) -> str:
    """A text the pattern accepts (ASCII), from Hypothesis's regex strategy. Derandomized,
    so the same every run; no shrinking phase (seconds a pattern), as any accepted text
    will do and the station's validator checks it (answers_for)."""
    from hypothesis import Phase, find, settings
    from hypothesis import strategies as st

    return find(st.from_regex(pattern, fullmatch=True,
                              alphabet=string.ascii_letters + string.digits + "-"),
                lambda s: True, settings=settings(database=None, derandomize=True,
                                                  phases=[Phase.generate]))


def id_number(rng: random.Random, born: date, sex: str = "M") -> str:
    """A GB 11643 number (ISO 7064 MOD 11-2 check digit) for a Shanghai district code."""
    seq = rng.randrange(0, 50) * 2 + (1 if sex == "M" else 0)
    body = f"310104{born:%Y%m%d}{rng.randrange(0, 10)}{seq:02d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
    number = body + check
    parse_id(number)  # the station's own check agrees
    return number


def answers_for(matter, rng: random.Random, today: date, delivery: str) -> dict[str, str]:
    """A text for every field of the matter that its rule accepts."""
    out: dict[str, str] = {}
    for f in matter.fields:
        out[f.key] = _text(f, rng, today, out)
    problems = validate_answers(matter, out, delivery=delivery, today=today)
    assert not problems, (matter.code, problems)
    return out


def _text(f, rng: random.Random, today: date, so_far: dict[str, str]) -> str:
    if f.pattern is not None:
        return _from_pattern(f.pattern.pattern)
    if f.type == "choice":
        return rng.choice(f.choices)
    if f.type == "bool":
        return rng.choice(["是", "否"])
    if f.type == "phone":
        return "13" + "".join(rng.choice(string.digits) for _ in range(9))
    if f.type == "id_number":
        born = date(1960 + rng.randrange(40), 1 + rng.randrange(12), 1 + rng.randrange(28))
        return id_number(rng, born)
    if f.type == "date":
        base = today - timedelta(days=rng.randrange(30, 3000))
        if f.after and f.after in so_far:
            base = date.fromisoformat(so_far[f.after]) + timedelta(days=rng.randrange(1, 400))
            if f.when == "past":
                base = min(base, today)
        elif f.when == "future":
            base = today + timedelta(days=rng.randrange(1, 300))
        return base.isoformat()
    if f.type in ("money", "number", "integer"):
        lo = f.min if f.min is not None else Decimal(0)
        hi = f.max if f.max is not None else lo + 5000
        n = lo + (hi - lo) * Decimal(rng.randrange(0, 1000)) / 1000
        if f.type == "integer":
            return str(int(n.to_integral_value(rounding="ROUND_CEILING")))
        return format(n.quantize(Decimal("0.01"), rounding="ROUND_CEILING"), "f")
    # text
    text = "".join(rng.choice(SURNAMES + GIVEN + "路号弄室") for _ in range(8))
    if f.max_length:
        text = text[:f.max_length]
    if f.min_length and len(text) < f.min_length:
        text = text + "号" * (f.min_length - len(text))
    return text


def record_cases(queue, n: int, seed: int = 7, today: date | None = None,
                 amend_every: int = 3) -> list[tuple[str, str]]:
    """n cases across every matter of the catalogue (round robin), recorded through the
    station's CaseStore; some amended once. Returns (record_id, case_no) in order."""
    rng = random.Random(seed)
    today = today or date.today()
    codes = [m.code for m in load_catalogue()]
    store = CaseStore(queue, queue.station_id)
    out = []
    for i in range(n):
        m = matters.matter(codes[i % len(codes)])
        delivery = m.delivery[i % len(m.delivery)] if m.delivery else "centre"
        sex = rng.choice("MF")
        born = date(1930 + rng.randrange(60), 1 + rng.randrange(12), 1 + rng.randrange(28))
        rid = parse_id(id_number(rng, born, sex))
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        agent = None
        if i % 4 == 1:
            agent = Agent(parse_id(id_number(rng, date(1985, 5, 5), "F")), "子女",
                                 rng.choice(SURNAMES) + rng.choice(GIVEN))
        ticked = frozenset(x.code for j, x in enumerate(m.materials) if (i + j) % 3)
        draft = CaseDraft(Resident(rid, name, "card"), m.code,
                                 answers_for(m, rng, today, delivery), ticked, agent, delivery)
        now = datetime.combine(today, datetime.min.time()).astimezone() + timedelta(minutes=i)
        case = validation.new_case(draft, case_no=f"{queue.station_id[:6].upper()}-"
                               f"{today:%y%m%d}-{i + 1:03d}", site="新成村", staff_id="s01",
                               outing_date=today, now=now)
        case = store.append(case, staff_on_duty=("s01",))
        if amend_every and i % amend_every == 0:
            draft2 = CaseDraft(draft.resident, m.code, draft.answers,
                                      frozenset(x.code for x in m.materials), agent, delivery)
            new = validation.amended(case, draft2, reason=f"补交材料 {name}", now=now)
            store.amend(new, reason_code="amend")
        out.append((case.record_id, case.case_no))
    return out
