"""The order a team walks its half-day: community by community, building by building.

Communities are few (a handful per street), so every order of them is tried and
the shortest walk that keeps every visit inside its time window wins; ties go
to the alphabetical order so the same bookings always give the same sheet.
Within a place (the station's site, else the 小区/村 or road read from the
address) the team goes lane → group → number → building → unit → room, using the
parts the address parser could read; a door it could not read is walked to alone.
A visit that cannot be served inside its window (or beyond the team's capacity) is listed as
unplaced rather than squeezed in late.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time
from itertools import permutations

from station.visits.model import BOOKED, Appointment, Slot
from station.visits.rules import VisitRules

MAX_EXHAUSTIVE = 7  # 7! = 5040 orders; beyond that, nearest community first


@dataclass(frozen=True)
class PlannedVisit:
    order: int
    appointment: Appointment
    walk_minutes: int
    arrive: time
    start: time
    finish: time


@dataclass(frozen=True)
class Plan:
    team: str
    slot: Slot
    visits: tuple[PlannedVisit, ...]
    unplaced: tuple[Appointment, ...]
    total_walk_minutes: int


def window_of(appt: Appointment, half_window: tuple[time, time]) -> tuple[time, time]:
    if appt.window is None:
        return half_window
    return max(appt.window[0], half_window[0]), min(appt.window[1], half_window[1])


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def _simulate(groups: list[list[Appointment]], rules: VisitRules, half_window: tuple[time, time]):
    """Walk the groups in order; returns (placed, unplaced, total walk)."""
    now = _minutes(half_window[0])
    here = (rules.base, None)
    placed, unplaced, total_walk = [], [], 0
    for group in groups:
        for appt in group:
            if len(placed) >= rules.capacity:
                unplaced.append(appt)
                continue
            there = appt.address.door()
            if here[0] != there[0]:
                walk = rules.walk(here[0], there[0])
            else:
                walk = 0 if here == there else rules.building_minutes
            opens, closes = (_minutes(x) for x in window_of(appt, half_window))
            arrive = now + walk
            start = max(arrive, opens)
            finish = start + rules.service(len(appt.matters))
            if finish > closes:
                unplaced.append(appt)
                continue
            placed.append((appt, walk, arrive, start, finish))
            total_walk += walk
            now, here = finish, there
    return placed, unplaced, total_walk


def _community_orders(communities: list[str], rules: VisitRules):
    if len(communities) <= MAX_EXHAUSTIVE:
        yield from permutations(communities)
        return
    order, here, left = [], rules.base, set(communities)
    while left:
        here = min(left, key=lambda c: (rules.walk(here, c), c))
        order.append(here)
        left.remove(here)
    yield tuple(order)


def plan_half_day(appointments: list[Appointment], team: str, slot: Slot,
                  rules: VisitRules) -> Plan:
    mine = [a for a in appointments
            if a.status in BOOKED and a.team == team and a.slot == slot]
    mine.sort(key=lambda a: (a.address.sort_key(), a.id))
    by_community: dict[str, list[Appointment]] = defaultdict(list)
    for appt in mine:
        by_community[appt.address.place].append(appt)
    half_window = rules.windows[slot.half]
    best = None
    for order in _community_orders(sorted(by_community), rules):
        placed, unplaced, walk = _simulate([by_community[c] for c in order], rules, half_window)
        key = (len(unplaced), walk, order)
        if best is None or key < best[0]:
            best = (key, placed, unplaced, walk)
    if best is None:
        return Plan(team, slot, (), (), 0)
    _, placed, unplaced, walk = best
    visits = tuple(PlannedVisit(i + 1, appt, w, _clock(arr), _clock(st), _clock(fin))
                   for i, (appt, w, arr, st, fin) in enumerate(placed))
    return Plan(team, slot, visits, tuple(unplaced), walk)


def plan_day(appointments: list[Appointment], day: date, rules: VisitRules) -> list[Plan]:
    """Every team's morning and afternoon that has visits, in team then half-day order."""
    plans = []
    for team in rules.teams:
        for half in ("am", "pm"):
            plan = plan_half_day(appointments, team, Slot(day, half), rules)
            if plan.visits or plan.unplaced:
                plans.append(plan)
    return plans

