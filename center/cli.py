"""The `center` command line: keys, the server, enrolment, back office, reports.

Why the back office is a CLI: the district's case system is not part of this
project; these commands are the hooks it (or a person) uses so the downstream
path — statuses, home visits, catalogue versions — is real end to end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import sys
import time
import tomllib
import uuid
from pathlib import Path

import click
import platformdirs

from center.cli_common import now_iso, open_store, read_secret
from center.errors import CenterError
from shared import clicktext
from shared.echo import echo  # printed text is never terminal control
from shared.i18n import t
from shared.protocol import (
    CASE_STATUSES,
    STATUS_ZH,
    seal_for_station,
)

clicktext.install()  # Click's own texts (Usage:, Options:, errors) in the staff's language
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


def home_dir(home: str | None) -> Path:
    value = home or os.environ.get("CENTER_HOME")
    return Path(value) if value else Path(platformdirs.user_data_dir("liudong-center"))


def read_passphrase(from_stdin: bool, confirm: bool = False) -> str:
    return read_secret(from_stdin, env="CENTER_PASSPHRASE", prompt="center.passphrase_prompt",
                       confirm=confirm, minimum=8, too_short="center.passphrase_short")


def _plain(value: str, field: str, *, multiline: bool = False) -> str:
    """Refuse control and direction characters, as every station input does."""
    from shared.text import forbidden_char

    bad = forbidden_char(value or "", multiline=multiline)
    if bad is not None:
        raise CenterError("text.control_char", field=t(field), position=bad[0], char=bad[1])
    return value


class CenterGroup(click.Group):
    """Errors become a sentence and exit 1, as on the station."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CenterError as err:
            echo(err.message(), err=True)
            sys.exit(1)


@click.group(cls=CenterGroup, help=t("center.help_root"),
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", default=None, metavar="DIR", help=t("center.help_home"))
@click.option("--db", default=None, envvar="CENTER_DB", show_envvar=True, metavar="URL",
              help=t("center.help_db"))
@click.pass_context
def cli(ctx: click.Context, home: str | None, db: str | None) -> None:
    """社区事务受理服务中心 — the district centre stations sync to."""
    ctx.obj = {"home": home_dir(home), "db": db}


@cli.command(help=t("center.help_init"))
@click.option("--passphrase-stdin", is_flag=True, help=t("center.help_passphrase_stdin"))
@click.option("--force", is_flag=True, help=t("center.help_force"))
@click.pass_context
def init(ctx: click.Context, passphrase_stdin: bool, force: bool) -> None:
    """Create the centre's keys (HPKE + Ed25519), encrypted under a passphrase."""
    from center import keys

    home = ctx.obj["home"]
    if (home / keys.KEYS_FILE).exists() and not force:
        raise CenterError("center.keys_exist", path=str(home / keys.KEYS_FILE))
    passphrase = read_passphrase(passphrase_stdin, confirm=True)
    path = keys.save(keys.generate(), home, passphrase)
    open_store(ctx)
    echo(t("center.init_done", path=str(path),
                 key_id=keys.load_public(home)["key_id"]))


@cli.command(help=t("center.help_serve"))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8443, show_default=True, type=int)
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False), default=None)
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False), default=None)
@click.option("--passphrase-stdin", is_flag=True)
@click.option("--threads", default=40, show_default=True, type=int,
              help=t("center.help_threads"))
@click.option("--workers", default=1, show_default=True, type=int,
              help=t("center.help_workers"))
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True,
              help=t("center.help_forwarded"))
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, tls_cert: str | None, tls_key: str | None,
          passphrase_stdin: bool, threads: int, workers: int, forwarded_allow_ips: str) -> None:
    from center import keys
    from center.app import create_app, push_process_centre
    from center.push_pool import PushPool
    from center.serving import serve_until_stopped

    if bool(tls_cert) != bool(tls_key):
        raise CenterError("center.tls_pair")
    passphrase = read_passphrase(passphrase_stdin)
    secret = keys.load(ctx.obj["home"], passphrase)  # fails early on a wrong passphrase
    store = open_store(ctx)  # fails early, with the reason, on a database fault
    pool = None
    if workers > 1:
        pool = PushPool(workers, push_process_centre, str(ctx.obj["home"]), ctx.obj["db"],
                        passphrase)
    app = create_app(store, secret, threads=threads, push_pool=pool)
    # The banner waits until /healthz answers (push processes ready, socket bound).
    serve_until_stopped(app, host=host, port=port, tls_cert=tls_cert, tls_key=tls_key,
                        forwarded_allow_ips=forwarded_allow_ips)


@cli.command(help=t("center.help_enroll"))
@click.option("--station", "name", required=True, help=t("center.help_station_name"))
@click.option("--ttl-hours", default=24.0, show_default=True, type=float)
@click.pass_context
def enroll(ctx: click.Context, name: str, ttl_hours: float) -> None:
    """Print a one-time enrolment code for a station."""
    from center.app import code_hash

    _plain(name, "text.field_station_name")
    from shared.protocol import now_ms

    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    code = "-".join(raw[i:i + 4] for i in range(0, 12, 4))
    expires = now_ms() + int(ttl_hours * 3600 * 1000)
    open_store(ctx).add_enrolment(code_hash(code), name, expires)
    when = dt.datetime.fromtimestamp(expires / 1000).strftime("%Y-%m-%d %H:%M")
    echo(t("center.enroll_code", name=name, expires=when))
    echo(code)


@cli.group(help=t("center.help_station_group"))
def station() -> None:
    """Enrolled stations."""


@station.command("list")
@click.pass_context
def station_list(ctx: click.Context) -> None:
    for station_id, name, status in open_store(ctx).stations():
        echo(f"{name}\t{station_id}\t{status}")


@station.command("repair", help=t("center.help_repair"),
                 short_help=t("center.help_repair_short"))
@click.argument("station_ref", metavar="ID")
@click.pass_context
def station_repair(ctx: click.Context, station_ref: str) -> None:
    """Ask a station, at its next sync, for every version the centre lacks."""
    from shared.protocol import bounded_ranges, now_ms
    from shared.reports.document import seq_ranges

    store = open_store(ctx)
    found = store.find_station(station_ref)
    if found is None:
        raise CenterError("center.no_station", name=station_ref)
    station_id, name = found[0], found[1]
    head = store.pulse_head(station_id)
    if head is None:
        raise CenterError("center.repair_no_pulse", name=name)
    lacking, gone = store.lacking(station_id, head, True)
    if gone:  # not asked for again: the station said it has no copy left
        from shared.protocol import to_ranges

        echo(t("center.coverage_past_retention", seqs=seq_ranges(to_ranges(gone))))
    if not lacking:
        echo(t("center.repair_nothing", name=name, head=head))
        return
    store.ask_repair(station_id, now_ms())
    asked = bounded_ranges(lacking)
    echo(t("center.repair_asked", name=name, seqs=seq_ranges(asked),
           n=sum(b - a + 1 for a, b in asked)))
    if asked != lacking:
        echo(t("center.repair_more"))


@station.command("revoke", help=t("center.help_revoke"),
                 short_help=t("center.help_revoke_short"))
@click.argument("station_ref", metavar="ID")
@click.pass_context
def station_revoke(ctx: click.Context, station_ref: str) -> None:
    if not open_store(ctx).revoke(station_ref):
        raise CenterError("center.no_station", name=station_ref)
    echo(t("center.revoked", name=station_ref))
    echo(t("center.revoked_next"))


def _status_code(text: str) -> str:
    for code, zh in STATUS_ZH.items():
        if text in (code, zh):
            return code
    raise CenterError("center.bad_status", status=text,
                      allowed=" / ".join(f"{STATUS_ZH[c]}({c})" for c in CASE_STATUSES))


@cli.group(help=t("center.help_case_group"))
def case() -> None:
    """Cases received from stations."""


@case.command("set-status", help=t("center.help_set_status"))
@click.argument("case_ref", metavar="CASE")
@click.argument("status", metavar="STATUS")
@click.option("--note", default=None, help=t("center.help_note"))
@click.option("--needed", multiple=True, help=t("center.help_needed"))
@click.option("--delivery", type=click.Choice(["centre", "visit", "post"]), default=None,
              help=t("center.help_delivery"))
@click.pass_context
def case_set_status(ctx: click.Context, case_ref: str, status: str, note: str | None,
                    needed: tuple[str, ...], delivery: str | None) -> None:
    """Move a case: 受理 → 审批中 → 办结, or 退回 with a reason."""
    from center.backoffice.actions import centre_pub_from_home, move

    _plain(note or "", "text.field_reason")
    store = open_store(ctx)
    code = _status_code(status)
    if code == "done" and not delivery:
        delivery = "centre"  # as before: the result waits at the centre unless told
    case_id, _case_no = move(store, case_ref=case_ref, status=code, account="cli",
                             centre_x25519_pub=centre_pub_from_home(ctx.obj["home"]),
                             note=note or "", needed=tuple(needed), delivery=delivery or "")
    echo(t("center.status_set", case=case_id, status=STATUS_ZH[code]))


def _actor() -> str:
    """Who ran a command, for the access records: the operating-system account."""
    import getpass

    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):
        return f"cli:uid{os.getuid()}"


@case.command("export", help=t("center.help_export"))
@click.option("--since", "since", required=True, metavar="DATE",
              help=t("center.help_export_since"))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "xlsx"]), default="jsonl",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=t("center.help_export_output"))
@click.option("--reason", required=True, help=t("center.help_export_reason"))
@click.option("--passphrase-stdin", is_flag=True, help=t("center.help_passphrase_stdin"))
@click.pass_context
def case_export(ctx: click.Context, since: str, fmt: str, output: Path | None, reason: str,
                passphrase_stdin: bool) -> None:
    """Decrypted cases for the district's system (docs/export.md); recorded."""
    from center import keys
    from center.export import export_cases

    try:
        day = dt.date.fromisoformat(since)
    except ValueError as err:
        raise CenterError("center.export_bad_date") from err
    if not reason.strip():
        raise CenterError("center.export_reason")
    secret = keys.load(ctx.obj["home"], read_passphrase(passphrase_stdin))
    since_ms = int(dt.datetime.combine(day, dt.time()).astimezone().timestamp() * 1000)
    path = output or Path(f"cases-{dt.datetime.now():%Y%m%d-%H%M%S}.{fmt}")
    n, bad = export_cases(open_store(ctx), secret, since_ms=since_ms, fmt=fmt, path=path,
                          actor=_actor(), reason=reason.strip()[:200])
    echo(t("center.export_done", n=n, path=str(path)))
    if bad:
        echo(t("center.export_unreadable", n=len(bad),
                     ids=", ".join(u.record_id for u in bad[:20])), err=True)


@cli.group(help=t("center.help_integration"))
def integration() -> None:
    """Systems that fetch the export (GET /v1/export with a key)."""


@integration.command("add", help=t("center.help_integration_add"))
@click.argument("name")
@click.option("--per-minute", default=60, show_default=True, type=click.IntRange(1, 6000),
              help=t("center.help_integration_rate"))
@click.pass_context
def integration_add(ctx: click.Context, name: str, per_minute: int) -> None:
    """Add an integration and print its key once (only its hash is kept)."""
    from center.integrations import key_hash, new_key

    key = new_key()
    if not open_store(ctx).add_integration(name, key_hash(key), per_minute):
        raise CenterError("center.integration_exists", name=name)
    echo(t("center.integration_added", name=name, per_minute=per_minute))
    echo(key)


@integration.command("revoke", help=t("center.help_integration_revoke"))
@click.argument("name")
@click.pass_context
def integration_revoke(ctx: click.Context, name: str) -> None:
    """Refuse the integration's key from now on."""
    store = open_store(ctx)
    if not store.revoke_integration(name):
        raise CenterError("center.no_integration", name=name)
    store.log_access(_actor(), "integration_revoke", [None], name)
    echo(t("center.integration_revoked", name=name))


@integration.command("list", help=t("center.help_integration_list"))
@click.pass_context
def integration_list(ctx: click.Context) -> None:
    rows = open_store(ctx).integrations()
    if not rows:
        echo(t("center.integration_none"))

    def when(ms: int | None) -> str:
        return dt.datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M") if ms \
            else t("center.never")

    for name, created, revoked, per_minute, _cursor, used in rows:
        state = t("center.integration_revoked_state" if revoked else "center.integration_active")
        echo(t("center.integration_line", name=name, state=state, per_minute=per_minute,
                     created=when(created), used=when(used)))


@cli.command(help=t("center.help_purge"))
@click.option("--after-days", default=90, show_default=True, type=int,
              help=t("center.help_purge_days"))
@click.option("--dry-run", is_flag=True, help=t("center.help_purge_dry_run"))
@click.pass_context
def purge(ctx: click.Context, after_days: int, dry_run: bool) -> None:
    """Retention: drop sealed copies of cases finished long ago; reports keep counting."""
    from center.purge import purge_done

    if not 0 <= after_days <= 3650:
        raise CenterError("center.purge_bad_days")
    result = purge_done(open_store(ctx), after_days=after_days, dry_run=dry_run, actor=_actor())
    if dry_run:
        echo(t("center.purge_dry_run", n=result.cases, days=after_days))
    else:
        echo(t("center.purge_done", n=result.cases, versions=result.versions,
                     days=after_days))


@cli.group(help=t("center.help_visit_group"))
def visit() -> None:
    """Home-visit requests for elderly and disabled residents."""


@visit.command("request", help=t("center.help_visit_request"))
@click.option("--station", "name", required=True, help=t("center.help_visit_station"))
@click.option("--date", "day", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--slot", type=click.Choice(["am", "pm"]), default="am", show_default=True)
@click.option("--resident-name", required=True)
@click.option("--phone", required=True)
@click.option("--address", required=True)
@click.option("--matter", default="", help=t("center.help_visit_matter"))
@click.option("--note", default="")
@click.option("--id-number", default="", help=t("center.help_visit_id"))
@click.option("--family-name", default="", help=t("center.help_visit_family"))
@click.option("--family-phone", default="")
@click.option("--family-relation", default="")
@click.pass_context
def visit_request(ctx: click.Context, name: str, day: dt.datetime, slot: str,
                  resident_name: str, phone: str, address: str, matter: str,
                  note: str, id_number: str, family_name: str, family_phone: str,
                  family_relation: str) -> None:
    """Send a home-visit request phoned in to the centre down to a station."""
    for value, field in ((resident_name, "text.field_name"), (phone, "text.field_phone"),
                         (address, "text.field_address"), (note, "text.field_note"),
                         (matter, "text.field_matter"), (id_number, "text.field_id_number"),
                         (family_name, "text.field_family"), (family_phone, "text.field_family"),
                         (family_relation, "text.field_relation")):
        _plain(value, field)
    store = open_store(ctx)
    found = store.find_station(name)
    if found is None:
        raise CenterError("center.no_station", name=name)
    station_id, station_name, inbox_pub = found
    uid = uuid.uuid4().hex
    details = {"name": resident_name, "phone": phone, "address": address, "note": note}
    # Optional extras travel sealed too; a station without them asks the resident.
    extras = {"id_number": id_number, "family_name": family_name,
              "family_phone": family_phone, "family_relation": family_relation}
    details |= {k: v for k, v in extras.items() if v}
    body = {"uid": uid, "date": day.date().isoformat(), "slot": slot, "matter": matter,
            "at": now_iso(), "sealed": seal_for_station(inbox_pub, station_id, uid, details)}
    store.add_update(station_id, "visit_request", body)
    echo(t("center.visit_sent", station=station_name, date=body["date"], slot=slot))


@cli.group(help=t("center.help_catalogue_group"))
def catalogue() -> None:
    """The matters catalogue stations use."""


@catalogue.command("publish", help=t("center.help_catalogue_publish"))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--version", "version", default=None, help=t("center.help_catalogue_version"))
@click.pass_context
def catalogue_publish(ctx: click.Context, file: Path, version: str | None) -> None:
    """Publish a new catalogue version to every station."""
    raw = file.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise CenterError("center.catalogue_not_text") from err
    _plain(text, "text.field_catalogue", multiline=True)
    sha = hashlib.sha256(raw).hexdigest()
    version = version or _file_version(file, text) or sha[:12]
    body = {"uid": uuid.uuid4().hex, "version": str(version), "sha256": sha,
            "filename": file.name, "content": text, "at": now_iso()}
    if open_store(ctx).publish_catalogue(str(version), sha, body) is None:
        raise CenterError("center.catalogue_exists", version=version)
    echo(t("center.catalogue_published", version=version))


def _file_version(file: Path, text: str) -> str | None:
    try:
        data = tomllib.loads(text) if file.suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError):
        return None
    value = data.get("version") if isinstance(data, dict) else None
    return str(value) if value is not None else None


# `center report` (the report, its options, supervisor accounts) lives with the reports.
from center.reports.cli import report  # noqa: E402

cli.add_command(report)

# `center supervisor …`: accounts for the report pages, at the top level for district IT.
from center.user_cli import supervisor, user  # noqa: E402

cli.add_command(supervisor)
report.add_command(supervisor)  # `center report supervisor …`: the same group

# `center user …`: every web account (supervisor, case worker, admin) with its role.
cli.add_command(user)

# `center calendar publish`: a year's holiday schedule for every station.
from center.calendar_cli import calendar  # noqa: E402

cli.add_command(calendar)


@report.command("coverage", help=t("center.help_coverage"))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def report_coverage(ctx: click.Context, as_json: bool) -> None:
    """Per station: sequence numbers received contiguously, and the gaps."""
    rows = open_store(ctx).coverage()
    if as_json:
        echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    if not rows:
        echo(t("center.coverage_none"))
    for row in rows:
        from shared.reports.document import seq_ranges

        ranges = seq_ranges(row["ranges"]) or "—"
        gaps = seq_ranges(row["gaps"])
        echo(t("center.coverage_line", name=row["name"], received=row["received"],
                     ranges=ranges))
        echo("  " + (t("center.coverage_gaps", gaps=gaps) if gaps
                           else t("center.coverage_gapless")))
        lost = seq_ranges(row.get("past_retention") or [])
        if lost:  # reported by the station: no copy left to resend (not a silent gap)
            echo("  " + t("center.coverage_past_retention", seqs=lost))


@report.command("stations", help=t("center.help_stations"))
@click.option("--json", "as_json", is_flag=True, help=t("center.help_stations_json"))
@click.option("--silent-days", type=click.IntRange(1, 3650), default=3, show_default=True,
              metavar="N", help=t("center.help_silent_days"))
@click.pass_context
def report_stations(ctx: click.Context, as_json: bool, silent_days: int) -> None:
    from center.reports.stations import KEYS, alerting, station_rows

    rows = station_rows(open_store(ctx), int(time.time() * 1000), silent_days)
    if as_json:
        echo(json.dumps(rows, ensure_ascii=False, indent=1))
    elif not rows:
        echo(t("center.coverage_none"))
    for row in [] if as_json else rows:
        from shared.reports.document import seq_ranges

        gaps = seq_ranges(row["gaps"])
        echo(t("center.stations_line", **{k: row[k] for k in KEYS[:2]},
                     contact=row["last_contact"] or t("center.stations_never"),
                     days=row["silent_days"], received=row["received_max_seq"],
                     head=row["head_seq"] if row["head_seq"] is not None else "—",
                     missing=row["missing"],
                     pending=row["pending_at_station"]
                     if row["pending_at_station"] is not None else "—"))
        if row["silent"]:
            echo("  " + t("center.stations_silent", days=silent_days))
        if gaps:
            echo("  " + t("center.coverage_gaps", gaps=gaps))
        lost = seq_ranges(row.get("past_retention") or [])
        if lost:
            echo("  " + t("center.coverage_past_retention", seqs=lost))
    if alerting(rows):
        ctx.exit(1)


@cli.command(help=t("center.help_migrate"))
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """Bring the database schema up to date (serve does this too)."""
    echo(t("center.migrated", version=open_store(ctx).schema_version()))


def main() -> None:
    cli(prog_name="center")
