"""`station case add | list | show`: the desk's work from the command line.

Why the same façade as the TUI: a case recorded here is validated, numbered,
queued and printed exactly like one recorded at the desk, so scripted training
data and tests exercise the real path. Validation runs before anything is
written, so bad input changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import click

from shared.echo import echo
from shared.errors import StationError
from shared.i18n import t
from station.cases.model import DELIVERIES, Case, CaseDraft
from station.cases.validation import clean_reason
from station.catalogue.calendar import due_estimated
from station.commands._unlock import open_unlocked, passphrase_option, passphrases, staff_option


@click.group(name="case", help=t("cli.help_case_group"))
def command() -> None:
    pass


def _answers(pairs: tuple[str, ...]) -> dict[str, str]:
    answers: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise StationError("cli.field_format", given=key.strip()[:30])
        answers[key.strip()] = value
    return answers


@command.command(name="add", help=t("cli.help_case_add"))
@click.option("--matter", required=True, metavar="CODE", help=t("cli.help_matter"))
@click.option("--id-number", "id_number", required=True, help=t("cli.help_id_number"))
@click.option("--name", required=True, help=t("cli.help_name"))
@click.option("--field", "fields", multiple=True, metavar="KEY=VALUE", help=t("cli.help_field"))
@click.option("--material", "materials", multiple=True, metavar="CODE",
              help=t("cli.help_material"))
@click.option("--agent-id", "agent_id", default=None, help=t("cli.help_agent_id"))
@click.option("--agent-relation", "agent_relation", default=None,
              help=t("cli.help_agent_relation"))
@click.option("--agent-name", "agent_name", default="", help=t("cli.help_agent_name"))
@click.option("--delivery", type=click.Choice(DELIVERIES), default=None,
              help=t("cli.help_delivery"))
@click.option("--site", default=None, help=t("cli.help_case_site"))
@click.option("--confirm-duplicate", "duplicate_reason", default=None, metavar="REASON",
              help=t("cli.help_confirm_duplicate"))
@staff_option
@click.option("--json", "as_json", is_flag=True, help=t("cli.help_json"))
@passphrase_option
def add(matter: str, id_number: str, name: str, fields: tuple[str, ...],
        materials: tuple[str, ...], agent_id: str | None, agent_relation: str | None,
        agent_name: str, delivery: str | None, site: str | None,
        duplicate_reason: str | None, staff: str | None, as_json: bool,
        passphrase_stdin: bool) -> None:
    (passphrase,) = passphrases(passphrase_stdin)
    service = open_unlocked(staff, passphrase)
    try:
        agent = None
        if agent_id is not None or agent_relation is not None:
            agent = service.agent(agent_id or "", agent_relation or "", agent_name)
        draft = CaseDraft(resident=service.resident(id_number, name), matter=matter,
                          answers=_answers(fields), materials=frozenset(materials),
                          agent=agent, delivery=delivery)  # type: ignore[arg-type]
        problems = service.validate(draft)
        if problems:
            _refuse(problems, matter)
        warnings = service.duplicate_warnings(draft)
        if warnings:
            if duplicate_reason is None:
                for text in warnings:
                    echo(text, err=True)
                echo(t("cli.duplicate_refused"), err=True)
                raise SystemExit(1)
            draft = replace(draft, duplicate_reason=clean_reason(duplicate_reason))
        me = service.current_staff.id
        outing = service.current_outing()
        if outing is None or (site and site.strip() != outing.site):
            on_duty = [me, *(outing.staff_ids if outing else ())]
            service.start_outing(site or (outing.site if outing else service.sites()[0]),
                                 on_duty)
        outcome = service.record_case(draft)
    finally:
        service.close()
    case, printed = outcome.case, outcome.print
    if as_json:
        echo(json.dumps({
            "case_no": case.case_no, "status": case.status, "matter": case.matter,
            "missing": list(case.missing),
            "due_date": case.due_date.isoformat() if case.due_date else None,
            "due_date_estimated": due_estimated(case.outing_date, case.due_date),
            "document": printed.document if printed else None,
            "printed": printed.printed if printed else False,
            "pdf": str(printed.pdf_path) if printed and printed.pdf_path else None,
            "message": printed.message if printed else "",
        }, ensure_ascii=False))
        return
    echo(case.case_no)
    if printed:
        echo(printed.message, err=True)


def explain(err: StationError, code: str) -> str:
    """The problem, plus what the command line accepts instead: the field's key and its
    choices, the matter's keys for an unknown one, its material codes for a wrong code."""
    from station.catalogue import matters

    text = err.message()
    try:
        m = matters.matter(code)
    except StationError:
        return text
    if err.key == "intake.field_problem":
        key = str(err.params.get("field", ""))
        field = next((f for f in m.fields if f.key == key), None)
        if field is None:
            return t("cli.field_keys", message=text, keys=" / ".join(f.key for f in m.fields),
                     code=m.code)
        if field.choices:
            return t("cli.field_hint_choices", message=text, key=key,
                     choices=" / ".join(field.choices))
        return t("cli.field_hint", message=text, key=key)
    if err.key == "intake.material_unknown":
        return t("cli.material_codes", message=text,
                 codes=" / ".join(x.code for x in m.materials), code=m.code)
    return text


def _refuse(problems: list[StationError], code: str) -> None:
    """Every problem at once (one run fixes them all); nothing is recorded."""
    for err in problems:
        echo(explain(err, code), err=True)
    raise SystemExit(1)


@command.command(name="list", help=t("cli.help_case_list"))
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help=t("cli.help_date"))
@click.option("--json", "as_json", is_flag=True, help=t("cli.help_json_list"))
def list_(day, as_json: bool) -> None:
    from station.service import open_service

    service = open_service()
    try:
        rows = service.today_cases(day.date() if day else None)
    finally:
        service.close()
    if as_json:
        echo(json.dumps([{
            "case_no": r.case_no, "matter": r.matter, "matter_name": r.matter_name,
            "line": r.line, "status": r.status, "status_label": r.status_label,
            "staff": r.staff_id, "staff_name": r.staff_name, "site": r.site,
            "date": r.day.isoformat(), "created_at": r.created_at.isoformat(),
            "updated_at": r.updated_at.isoformat(), "version": r.version,
            "awaiting_reprint": r.awaiting_reprint,
        } for r in rows], ensure_ascii=False))
        return
    if not rows:
        echo(t("cli.no_cases"))
    for r in rows:
        echo(f"{r.case_no}  {r.created_at:%H:%M}  {r.matter} {r.matter_name}  "
                   f"{r.status_label}  {r.staff_name}  {r.site}")


def _due_text(case: Case) -> str:
    if case.due_date is None:
        return "-"
    if due_estimated(case.outing_date, case.due_date):
        return t("calendar.due_estimated", due=case.due_date.isoformat())
    return case.due_date.isoformat()


def case_dict(case: Case, today: date) -> dict[str, object]:
    """What `case show --json` prints: the ID masked, as on every screen and paper."""
    return {
        "case_no": case.case_no, "version": case.version, "status": case.status,
        "status_label": t(f"service.status_{case.status}"), "matter": case.matter,
        "resident": {"name": case.resident.name, "id_masked": case.resident.masked_id,
                     "age": case.resident.age(today), "source": case.resident.source},
        "agent": None if case.agent is None else {
            "name": case.agent.name, "id_masked": case.agent.id.masked,
            "relation": case.agent.relation},
        "answers": dict(case.answers), "materials": sorted(case.materials),
        "missing": list(case.missing), "delivery": case.delivery, "site": case.site,
        "staff": case.staff_id, "date": case.outing_date.isoformat(),
        "created_at": case.created_at.isoformat(), "updated_at": case.updated_at.isoformat(),
        "due_date": case.due_date.isoformat() if case.due_date else None,
        "due_date_estimated": due_estimated(case.outing_date, case.due_date),
        "rating": case.rating, "reason": case.reason,
        "duplicate_reason": case.duplicate_reason or None,
    }


@command.command(name="show", help=t("cli.help_case_show"))
@click.argument("case_no", metavar="CASE")
@staff_option
@click.option("--json", "as_json", is_flag=True, help=t("cli.help_json"))
@passphrase_option
def show(case_no: str, staff: str | None, as_json: bool, passphrase_stdin: bool) -> None:
    (passphrase,) = passphrases(passphrase_stdin)
    service = open_unlocked(staff, passphrase)
    try:
        case = service.open_case(case_no)
        guide = service.matter_guide(case.matter)
        centre = service.centre_status(case)
    finally:
        service.close()
    data = case_dict(case, date.today())
    data["centre"] = None if centre is None else {
        "status": centre.status, "status_label": centre.label, "at": centre.at,
        "note": centre.note, "needed": list(centre.needed)}
    if as_json:
        data["matter_name"] = guide.matter.name
        echo(json.dumps(data, ensure_ascii=False))
        return
    materials = {m.code: m.name for m in guide.materials}
    res = data["resident"]
    lines = [
        (t("cli.label_case"), f"{case.case_no} (v{case.version})"),
        (t("cli.label_status"), data["status_label"]),
        (t("cli.label_matter"), f"{case.matter} {guide.matter.name}"),
        (t("cli.label_resident"), f"{res['name']}  {res['id_masked']}  "  # type: ignore[index]
                                  f"{t('cli.age', age=res['age'])}"),  # type: ignore[index]
    ]
    if case.agent:
        lines.append((t("cli.label_agent"), f"{case.agent.name} {case.agent.id.masked} "
                                            f"({case.agent.relation})"))
    labels = {f.key: f.label for f in guide.fields}
    lines += [(labels.get(key, key), value) for key, value in case.answers.items()]
    lines.append((t("cli.label_materials"), "、".join(
        m.name for m in guide.materials if m.code in case.materials) or "-"))
    if case.missing:
        lines.append((t("cli.label_missing"), "、".join(materials.get(c, c)
                                                       for c in case.missing)))
    lines += [
        (t("cli.label_delivery"), t(f"service.delivery_{case.delivery}")),
        (t("cli.label_site"), f"{case.site}  {case.outing_date.isoformat()}"),
        (t("cli.label_due"), _due_text(case)),
    ]
    if case.rating:
        lines.append((t("cli.label_rating"), str(case.rating)))
    if case.reason:
        lines.append((t("cli.label_reason"), case.reason))
    if case.duplicate_reason:
        lines.append((t("cli.label_duplicate_reason"), case.duplicate_reason))
    if centre is not None:
        lines.append((t("cli.label_centre"), f"{centre.label}  {centre.at}"))
        if centre.note:
            lines.append((t("cli.label_centre_note"), centre.note))
        if centre.needed:
            lines.append((t("cli.label_centre_needed"), "、".join(centre.needed)))
    for label, value in lines:
        echo(f"{label}: {value}")
