"""`station id check`: the same ID validation the desk uses, for scripts and training."""

from __future__ import annotations

import json
import sys
from datetime import date

import click

from station.commands._echo import echo
from station.i18n import t
from station.identity import IdNumberError, mask_id, normalise, parse_id


@click.group(name="id", help="Resident ID numbers / 证件号码.")
def command() -> None:
    pass


@command.command(name="check")
@click.argument("number")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Date the age is computed on (YYYY-MM-DD; default today).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def check(number: str, on, as_json: bool) -> None:
    """Check NUMBER (18-digit, legacy 15-digit, residence permit, or a foreigner permanent
    residence card of 2023 or 2017).

    Exits 0 when the number is valid, 1 when it is not.
    """
    day: date = on.date() if on else date.today()
    try:
        rid = parse_id(number, on=day)
    except IdNumberError as err:
        result = {"valid": False, "kind": None, "birth_date": None, "sex": None, "age": None,
                  "masked": mask_id(normalise(number)), "error": err.message(),
                  "reason": err.reason}
        if as_json:
            echo(json.dumps(result, ensure_ascii=False))
        else:
            echo(err.message())
        sys.exit(1)
    result = {"valid": True, "kind": rid.kind, "birth_date": rid.birth_date.isoformat(),
              "sex": rid.sex, "age": rid.age(day), "masked": rid.masked, "error": None,
              "reason": None}
    if as_json:
        echo(json.dumps(result, ensure_ascii=False))
        return
    echo(f"{t('identity.valid')}: {rid.masked}")
    echo(f"{t('identity.kind_' + rid.kind)} · {rid.birth_date.isoformat()} · "
         f"{t('identity.sex_' + (rid.sex or 'unknown'))} · {rid.age(day)}")
