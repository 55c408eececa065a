"""`station visits list | book | schedule | plan | mark | print`: home visits from the shell.

Why the same façade as visit mode: an appointment booked here is checked, numbered,
queued and printed exactly as at the desk. Passphrases come as for `station case`
(STATION_PASSPHRASE or --passphrase-stdin), never as arguments.
"""

from __future__ import annotations

import json
from datetime import datetime, time
from pathlib import Path

import click

from shared.echo import echo
from shared.errors import StationError
from shared.i18n import t
from station.commands._unlock import open_unlocked, passphrase_option, passphrases, staff_option
from station.visits.model import Contact, Slot

DAY = click.DateTime(formats=["%Y-%m-%d"])


@click.group(name="visits", help=t("visits.help_group"))
def command() -> None:
    pass


def _service(staff: str | None, passphrase_stdin: bool):
    (passphrase,) = passphrases(passphrase_stdin)
    return open_unlocked(staff, passphrase)


def _window(text: str | None) -> tuple[time, time] | None:
    if not text:
        return None
    try:
        start, end = (datetime.strptime(x.strip(), "%H:%M").time() for x in text.split("-"))
    except ValueError:
        raise StationError("visits.window_format") from None
    return start, end


def _summary_dict(s) -> dict[str, object]:
    return {"visit": s.visit_id, "status": s.status, "status_label": s.status_label,
            "name": s.name, "id_masked": s.masked_id, "phone_masked": s.masked_phone,
            "address": s.address, "community": s.community, "matters": list(s.matters),
            "date": s.day.isoformat() if s.day else None, "half": s.half or None,
            "team": s.team, "source": s.source, "source_label": s.source_label,
            "reason": s.reason, "reason_label": s.reason_label, "cases": list(s.cases)}


@command.command(name="list", help=t("visits.help_list"))
@click.option("--date", "day", type=DAY, default=None, help=t("visits.help_date_any"))
@click.option("--status", default=None, help=t("visits.help_status"))
@staff_option
@click.option("--json", "as_json", is_flag=True, help=t("cli.help_json_list"))
@passphrase_option
def list_(day: datetime | None, status: str | None, staff: str | None, as_json: bool,
          passphrase_stdin: bool) -> None:
    service = _service(staff, passphrase_stdin)
    try:
        service.visits.import_requests()
        rows = service.visits.summaries(day.date() if day else None, status=status)
    finally:
        service.close()
    if as_json:
        echo(json.dumps([_summary_dict(s) for s in rows], ensure_ascii=False))
        return
    if not rows:
        echo(t("visits.none"))
    for s in rows:
        when = (f"{s.day.isoformat()} {t(f'visits.half_{s.half}')}" if s.day
                else t("visits.no_date"))
        echo(f"{s.visit_id}  {s.status_label}  {when}  {s.team or '-'}  {s.name}  "
                   f"{s.masked_id}  {s.address}  {'、'.join(s.matters)}  "
                   f"{s.reason_label}  {s.source_label}")


@command.command(name="book", help=t("visits.help_book"))
@click.option("--id-number", "id_number", required=True, help=t("cli.help_id_number"))
@click.option("--name", required=True, help=t("cli.help_name"))
@click.option("--address", required=True, help=t("visits.help_address"))
@click.option("--phone", required=True, help=t("visits.help_phone"))
@click.option("--matter", "matters_", multiple=True, required=True, metavar="CODE",
              help=t("visits.help_matter"))
@click.option("--family-name", default=None, help=t("visits.help_family_name"))
@click.option("--family-phone", default=None, help=t("visits.help_family_phone"))
@click.option("--family-relation", default="", help=t("visits.help_family_relation"))
@click.option("--cert", "cert", default="", help=t("visits.help_cert"))
@click.option("--approved-by", "approved_by", default="", help=t("visits.help_approved_by"))
@click.option("--window", default=None, metavar="HH:MM-HH:MM", help=t("visits.help_window"))
@click.option("--note", default="", help=t("visits.help_note"))
@click.option("--date", "day", type=DAY, default=None, help=t("visits.help_book_date"))
@click.option("--half", type=click.Choice(["am", "pm"]), default=None,
              help=t("visits.help_half"))
@click.option("--team", default=None, help=t("visits.help_team"))
@click.option("--manual", is_flag=True, help=t("visits.help_manual"))
@staff_option
@click.option("--json", "as_json", is_flag=True, help=t("cli.help_json"))
@passphrase_option
def book(id_number: str, name: str, address: str, phone: str, matters_: tuple[str, ...],
         family_name: str | None, family_phone: str | None, family_relation: str, cert: str,
         approved_by: str, window: str | None, note: str, day: datetime | None,
         half: str | None, team: str | None, manual: bool, staff: str | None, as_json: bool,
         passphrase_stdin: bool) -> None:
    family = None
    if family_phone:
        family = Contact(family_name or "", family_phone, family_relation)
    slot = Slot(day.date(), half or "am") if day else None  # type: ignore[arg-type]
    service = _service(staff, passphrase_stdin)
    try:
        appt = service.visits.book(
            id_number=id_number, name=name, address=address, phone=phone, matters_=matters_,
            family=family, disability_cert=cert, approved_by=approved_by,
            preferred_days=(day.date(),) if day else (), preferred_half=half,
            window=_window(window), note=note, source="manual" if manual else "desk",
            slot=slot, team=team)
    finally:
        service.close()
    if as_json:
        echo(json.dumps({"visit": appt.id, "status": appt.status, "reason": appt.reason,
                               "date": appt.slot.day.isoformat() if appt.slot else None,
                               "half": appt.slot.half if appt.slot else None,
                               "team": appt.team}, ensure_ascii=False))
        return
    echo(appt.id)


@command.command(name="schedule", help=t("visits.help_schedule"))
@click.argument("visit", metavar="VISIT")
@click.option("--date", "day", type=DAY, required=True, help=t("visits.help_book_date"))
@click.option("--half", type=click.Choice(["am", "pm"]), default="am", show_default=True,
              help=t("visits.help_half"))
@click.option("--team", default=None, help=t("visits.help_team"))
@click.option("--reason", default=None, help=t("visits.help_reschedule_reason"))
@staff_option
@passphrase_option
def schedule_(visit: str, day: datetime, half: str, team: str | None, reason: str | None,
              staff: str | None, passphrase_stdin: bool) -> None:
    service = _service(staff, passphrase_stdin)
    try:
        current = service.visits.get(visit)
        if current.status in ("scheduled", "rescheduled"):
            appt = service.visits.reschedule(visit, day.date(), half, reason=reason or "",
                                             team=team)
        else:
            appt = service.visits.schedule(visit, day.date(), half, team=team)
    finally:
        service.close()
    echo(t("visits.scheduled_to", visit=appt.id, date=appt.slot.day.isoformat(),
                 half=t(f"visits.half_{appt.slot.half}"), team=appt.team))


@command.command(name="mark", help=t("visits.help_mark"))
@click.argument("visit", metavar="VISIT")
@click.argument("outcome", type=click.Choice(["visited", "no-show", "cancel"]))
@click.option("--reason", default="", help=t("visits.help_reason"))
@staff_option
@passphrase_option
def mark(visit: str, outcome: str, reason: str, staff: str | None,
         passphrase_stdin: bool) -> None:
    service = _service(staff, passphrase_stdin)
    try:
        if outcome == "visited":
            appt = service.visits.mark_visited(visit, reason)
        elif outcome == "no-show":
            appt = service.visits.mark_no_show(visit, reason)
        else:
            appt = service.visits.cancel(visit, reason)
    finally:
        service.close()
    echo(f"{appt.id}  {t(f'visits.status_{appt.status}')}  {'、'.join(appt.cases)}")


@command.command(name="plan", help=t("visits.help_plan"))
@click.option("--date", "day", type=DAY, default=None, help=t("cli.help_date"))
@staff_option
@click.option("--json", "as_json", is_flag=True, help=t("cli.help_json_list"))
@passphrase_option
def plan(day: datetime | None, staff: str | None, as_json: bool, passphrase_stdin: bool) -> None:
    service = _service(staff, passphrase_stdin)
    try:
        plans = service.visits.plan(day.date() if day else None)
    finally:
        service.close()
    if as_json:
        echo(json.dumps([{
            "team": p.team, "date": p.slot.day.isoformat(), "half": p.slot.half,
            "total_walk_minutes": p.total_walk_minutes,
            "visits": [{"order": v.order, "visit": v.appointment.id,
                        "community": v.appointment.address.place,
                        "address": v.appointment.address.text, "walk_minutes": v.walk_minutes,
                        "arrive": f"{v.arrive:%H:%M}", "start": f"{v.start:%H:%M}",
                        "finish": f"{v.finish:%H:%M}",
                        "matters": list(v.appointment.matters)} for v in p.visits],
            "unplaced": [a.id for a in p.unplaced]} for p in plans], ensure_ascii=False))
        return
    if not plans:
        echo(t("visits.none"))
    for p in plans:
        echo(t("visits.plan_head", team=p.team, date=p.slot.day.isoformat(),
                     half=t(f"visits.half_{p.slot.half}"), walk=p.total_walk_minutes))
        for v in p.visits:
            echo(f"  {v.order}. {v.start:%H:%M}–{v.finish:%H:%M}  "
                 f"{v.appointment.address.text}  {v.appointment.id}  "
                       f"(+{v.walk_minutes}′)")
        for a in p.unplaced:
            echo("  " + t("visits.unplaced_line", visit=a.id))


@command.command(name="print", help=t("visits.help_print"))
@click.argument("kind", type=click.Choice(["slip", "run-sheet", "calls"]))
@click.argument("visit", metavar="[VISIT]", required=False)
@click.option("--date", "day", type=DAY, default=None, help=t("visits.help_print_date"))
@click.option("--team", default=None, help=t("visits.help_team"))
@click.option("--pdf", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=t("visits.help_pdf"))
@staff_option
@passphrase_option
def print_(kind: str, visit: str | None, day: datetime | None, team: str | None,
           pdf: Path | None, staff: str | None, passphrase_stdin: bool) -> None:
    if kind == "slip" and not visit:
        raise StationError("visits.visit_needed")
    on = day.date() if day else None
    service = _service(staff, passphrase_stdin)
    try:
        if kind == "slip":
            outcomes = [service.visits.print_slip(visit or "", pdf=pdf)]
        elif kind == "run-sheet":
            outcomes = service.visits.print_run_sheet(on, team=team, pdf=pdf)
        else:
            outcomes = [service.visits.print_call_list(on, pdf=pdf)]
    finally:
        service.close()
    for outcome in outcomes:
        echo(outcome.message, err=not outcome.printed)
    if not all(o.printed for o in outcomes):
        raise SystemExit(1)


