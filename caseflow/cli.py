"""The `caseflow` command (API.md, "Command line"): deployment scripts rely on these verbs."""
from __future__ import annotations

import faulthandler
import signal
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from caseflow.app import create_app
from caseflow.core.extensions import db
from caseflow.core.unit_of_work import unit_of_work


def _app_factory():
    from caseflow.core.settings import SettingsError

    try:
        return create_app()
    except SettingsError as exc:  # a setting not understood stops every command, with its name
        click.echo(f"CaseFlow cannot start: {exc}", err=True)
        sys.exit(2)


@click.group(cls=FlaskGroup, create_app=_app_factory, add_default_commands=True,
             add_version_option=False)
def main():
    """CaseFlow: Early Help family support case management."""


def _fail(message: str):
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


# --- database -------------------------------------------------------------------------------

@main.group("db")
def db_group():
    """Database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision):
    """Create or migrate the database at CASEFLOW_DATABASE_URL."""
    from caseflow.core.migrate import upgrade

    upgrade(revision)
    click.echo(f"Database is at revision {revision}.")


# --- organisations, users, tokens -------------------------------------------------------------

@main.group("orgs")
def orgs_group():
    """Organisations."""


@orgs_group.command("create")
@click.option("--name", required=True)
@click.option("--type", "org_type", required=True)
@click.option("--duty-email", default=None, help="Where escalations for this organisation go.")
@with_appcontext
def orgs_create(name, org_type, duty_email):
    from caseflow.auth.services import AccountError, create_organisation

    try:
        with unit_of_work():
            org = create_organisation(name, org_type, duty_email=duty_email)
    except AccountError as exc:
        _fail(str(exc))
    click.echo(org.id)


@main.group("users")
def users_group():
    """Users."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True)
@click.option("--org", "org_name", required=True, help="Organisation name (or id).")
@click.option("--password", default=None, help="Omit to generate one (printed once).")
@click.option("--team", default=None, help="Team name within the organisation (created if new).")
@with_appcontext
def users_create(email, name, role, org_name, password, team):
    from sqlalchemy import select

    from caseflow.auth.models import Team
    from caseflow.auth.services import AccountError, create_team, create_user, find_organisation

    try:
        with unit_of_work():
            team_obj = None
            if team:
                org = find_organisation(org_name)
                if org is None:
                    raise AccountError(f"No organisation called '{org_name}'.")
                team_obj = db.session.scalar(select(Team).where(Team.organisation_id == org.id,
                                                                Team.name == team)) or create_team(team, org)
            user, generated = create_user(email, name, role, org_name, password, team=team_obj)
    except AccountError as exc:
        _fail(str(exc))
    if generated:
        click.echo(f"Generated password (shown once): {generated}", err=True)
    click.echo(user.id)


@main.group("tokens")
def tokens_group():
    """API tokens for partner systems."""


@tokens_group.command("create")
@click.option("--user", "email", required=True)
@with_appcontext
def tokens_create(email):
    from caseflow.auth.services import AccountError, create_token

    try:
        with unit_of_work():
            _, token = create_token(email)
    except AccountError as exc:
        _fail(str(exc))
    click.echo("Store this token now: it cannot be shown again.")
    click.echo(token)


# --- audit ----------------------------------------------------------------------------------

@main.group("audit")
def audit_group():
    """The tamper-evident audit trail."""


@audit_group.command("verify")
@with_appcontext
def audit_verify():
    """Check the hash chain, and the chain against the signed checkpoints of its head."""
    from caseflow.core.audit import verify_chain
    from caseflow.core.audit_checkpoints import checkpoint_file, read_checkpoints

    checkpoints = read_checkpoints()
    with unit_of_work():  # reads only
        report = verify_chain(checkpoints=checkpoints)
    for problem in report.problems:
        click.echo(f"PROBLEM: {problem}")
    if checkpoints.latest is None:
        click.echo(f"WARNING: no signed checkpoints in {checkpoint_file()}: events cut off the end of the "
                   f"chain cannot be detected (run `caseflow audit checkpoint`, or the worker)")
    else:
        click.echo(f"{len(checkpoints.entries)} checkpoints checked, the latest at event {checkpoints.latest.seq} "
                   f"({checkpoints.latest.at})")
    click.echo(f"{report.events_checked} audit events checked: {'chain intact' if report.ok else 'TAMPERING DETECTED'}")
    sys.exit(0 if report.ok else 1)


@audit_group.command("checkpoint")
@with_appcontext
def audit_checkpoint():
    """Append a signed checkpoint of the chain head to the checkpoint file (the worker does this
    every CASEFLOW_AUDIT_CHECKPOINT_MINUTES)."""
    from caseflow.core.audit_checkpoints import checkpoint_file, write_checkpoint

    with unit_of_work():  # reads only
        written = write_checkpoint()
    if written is None:
        click.echo(f"no new audit events since the last checkpoint in {checkpoint_file()}")
    else:
        click.echo(f"checkpoint at event {written.seq} written to {checkpoint_file()}")


# --- retention ----------------------------------------------------------------------------

@main.group("retention")
def retention_group():
    """The data retention schedule."""


@retention_group.command("run")
@click.option("--dry-run", is_flag=True, help="List what would be erased; change nothing.")
@with_appcontext
def retention_run(dry_run):
    """Erase the personal data of families whose last case closed over the retention period ago."""
    from caseflow.readmodels import retention

    with unit_of_work():  # erasing commits family by family (see retention.run)
        report = retention.run(dry_run=dry_run)
    verb = "would be erased" if dry_run else "erased"
    click.echo(f"{len(report.family_ids)} families {verb} (last case closed before {report.cutoff:%d %B %Y}).")
    if not dry_run:
        click.echo(f"{report.events_purged} partner events about people not open to the service erased.")


# --- family records over time --------------------------------------------------------------

@main.group("records")
def records_group():
    """Family records over time: the potential-duplicates list."""


@records_group.command("scan-duplicates")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Scan only this many people (oldest first).")
@with_appcontext
def records_scan_duplicates(limit):
    """Ask the front door's matcher about every person held; likely duplicates join the list."""
    from caseflow.records.merging import scan_for_duplicates

    with unit_of_work():
        found = scan_for_duplicates(limit=limit)
    click.echo(f"{found} likely duplicate pairs on the list for an officer.")


# --- queue --------------------------------------------------------------------------------

@main.command("worker")
@click.option("--burst", is_flag=True, help="Run the jobs waiting now, then exit.")
@with_appcontext
def worker(burst):
    """Run the queue worker: RQ on CASEFLOW_REDIS_URL, with the outbox sweeper and escalations.

    Without Redis, deliveries run in the web process as they are committed; this then runs only
    the sweeper (retries, escalations at their deadline)."""
    from flask import current_app

    from caseflow.jobs import run_worker, sweep_forever, sweep_once

    from caseflow.core.readiness import refuse_to_start_unless_fit

    app = current_app._get_current_object()
    # `kill -USR1 <pid>` prints every thread's stack to the worker's output (stderr) and the
    # worker carries on: how an operator sees where a worker that seems stuck is waiting. From a
    # Python handler, which runs holding the GIL, so every thread stands still while it is
    # printed: faulthandler's own signal handler prints the other threads while they run, and a
    # worker whose sweeper was busy at that moment stopped half-way through a line and never
    # finished. (A blocked system call is interrupted for the handler, so a waiting worker
    # answers at once.)
    signal.signal(signal.SIGUSR1, lambda _signum, _frame: faulthandler.dump_traceback(all_threads=True))
    refuse_to_start_unless_fit(app)  # wrong keys or an unmigrated database: stop, say why
    if not current_app.extensions["caseflow.settings"].redis_url:
        click.echo("CASEFLOW_REDIS_URL is not set: deliveries run in-process; sweeping retries and escalations.")
        if burst:
            sweep_once(app)
            return
        import threading

        sweep_forever(app, threading.Event(), 5.0)
        return
    run_worker(burst=burst)


# --- operations -------------------------------------------------------------------------------

@main.command("check")
@with_appcontext
def check():
    """Print the verdicts /readyz gives (database, migrations, keys, Redis, workers); exit 1 if any fails.

    Settings are checked before this runs: one that is not understood stops the command."""
    from caseflow.core.readiness import verdicts

    settings = current_app.extensions["caseflow.settings"]
    click.echo(f"settings: ok ({settings.environment.value})")
    found = verdicts()
    for verdict in found:
        click.echo(f"{verdict.name}: {'ok' if verdict.ok else 'FAILED'} ({verdict.detail})")
    sys.exit(0 if all(v.ok for v in found) else 1)


@main.command("backup")
@click.option("--to", "target", required=True, type=click.Path(dir_okay=False, path_type=__import__("pathlib").Path),
              help="The backup file to write.")
@click.option("--keys-to", type=click.Path(dir_okay=False, path_type=__import__("pathlib").Path), default=None,
              help="Also copy the encryption keys here. Keep it apart from the backup: together they read everything.")
@with_appcontext
def backup_command(target, keys_to):
    """Back up the database (pg_dump, or SQLite's online backup). The keys are never inside it."""
    import json
    import os

    from caseflow.core import backup, crypto

    try:
        backup.backup(db.engine, target)
    except backup.BackupError as exc:
        _fail(str(exc))
    click.echo(f"Database backed up to {target}.")
    if keys_to:
        keys_to.write_text(json.dumps({"fernet_keys": crypto.current_keys()}, indent=2))
        os.chmod(keys_to, 0o600)
        click.echo(f"Encryption keys copied to {keys_to}: store them apart from the backup.")
    else:
        click.echo("The encryption keys are NOT in the backup: without them it cannot be read. Back up "
                   "CASEFLOW_KEYS_FILE (or CASEFLOW_ENCRYPTION_KEYS) separately, or use --keys-to.")


@main.command("restore")
@click.option("--from", "source", required=True, type=click.Path(dir_okay=False, path_type=__import__("pathlib").Path))
@click.option("--replace", is_flag=True, help="Overwrite a database that already has data.")
@with_appcontext
def restore_command(source, replace):
    """Restore a backup into the configured database, then check its keys and audit chain."""
    from caseflow.core import backup
    from caseflow.core.audit import verify_chain
    from caseflow.core.readiness import check_keys, check_migrations

    try:
        backup.restore(db.engine, source, replace=replace)
    except backup.BackupError as exc:
        _fail(str(exc))
    click.echo(f"Restored {source}.")
    verdicts = [check_migrations(), check_keys()]
    for verdict in verdicts:
        click.echo(f"{verdict.name}: {'ok' if verdict.ok else 'FAILED'} ({verdict.detail})")
    with unit_of_work():  # reads only
        report = verify_chain()
    click.echo(f"audit: {report.events_checked} events checked, {'chain intact' if report.ok else 'TAMPERING DETECTED'}")
    sys.exit(0 if report.ok and all(v.ok for v in verdicts) else 1)


# --- keys -----------------------------------------------------------------------------------

@main.command("rotate-keys")
@click.option("--retire-old", is_flag=True,
              help="After re-encrypting, drop the old keys (run only once every process has the new key file).")
@with_appcontext
def rotate_keys(retire_old):
    """Add a new encryption key and re-encrypt every stored field under it."""
    from flask import current_app

    import caseflow.models  # noqa: F401  (every model's encrypted columns)
    from caseflow.core import crypto
    from caseflow.core.database import Base

    settings = current_app.extensions["caseflow.settings"]
    if not retire_old:
        keys = crypto.rotate_key_file(settings.keys_file)
        crypto.configure(keys)
        with unit_of_work():  # re-encrypting commits batch by batch (see reencrypt_all)
            count = crypto.reencrypt_all(db.session, Base.metadata)
        click.echo(f"New primary key added; {count} encrypted values re-encrypted. "
                   "Old keys are kept for decryption: restart web and worker processes, then run "
                   "'caseflow rotate-keys --retire-old' to remove them.")
    else:
        keys = crypto.load_keys(settings.keys_file)
        crypto.configure(keys)
        with unit_of_work():
            count = crypto.reencrypt_all(db.session, Base.metadata)  # anything written meanwhile
        settings.keys_file.write_text(__import__("json").dumps({"fernet_keys": keys[:1]}, indent=2))
        click.echo(f"{count} values confirmed under the current key; old keys retired.")


# --- a synthetic county ------------------------------------------------------------------------

@main.command("seed")
@click.option("--people", type=click.IntRange(min=1), required=True, help="How many people the county holds.")
@click.option("--seed", "seed_value", type=int, default=2026, show_default=True,
              help="The same seed gives the same county.")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Nothing is dated after this day (default: today).")
@click.option("--logins-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the staff's password, logins and partner API tokens here (JSON).")
@click.option("--password", default=None, help="The password every seeded member of staff signs in with "
              "(default: a random one, written to the logins file).")
@with_appcontext
def seed_command(people, seed_value, as_of, logins_file, password):
    """Load a synthetic county of PEOPLE into the (migrated, empty) database, in bulk."""
    import time as clock

    from caseflow.core.audit_checkpoints import write_checkpoint
    from caseflow.seed.loader import SeedError, seed_county, write_logins

    started = clock.monotonic()
    settings = current_app.extensions["caseflow.settings"]
    try:
        with click.progressbar(length=people, label="Seeding the county", show_pos=True) as bar:
            # unit-of-work exception: bulk loading commits one chunk of households at a time.
            report = seed_county(db.session, people, seed_value, as_of.date() if as_of else None, password,
                                 settings, progress=bar)
    except SeedError as exc:
        _fail(str(exc))
    with unit_of_work():  # reads only: sign the chain head the seed left
        write_checkpoint()
    # A county in service has last night's dashboard totals (the worker rebuilds them nightly):
    # without them the first worker to start would rebuild them at once, in the working day.
    totals_started = clock.monotonic()
    with unit_of_work():
        from caseflow.readmodels import report_aggregates

        report_aggregates.refresh()
    totals_seconds = clock.monotonic() - totals_started
    elapsed = clock.monotonic() - started
    if logins_file is not None:
        write_logins(logins_file, report)
        click.echo(f"Logins written to {logins_file}")
    click.echo(f"  {'table':22s} {'rows':>12s} {'load s':>8s}")
    for table, count in sorted(report.rows.items()):
        click.echo(f"  {table:22s} {count:>12,} {report.load_seconds.get(table, 0):8.1f}")
    click.echo(f"  waiting for the generator: {report.waiting_seconds:.1f} s; "
               f"building indexes after the load: {report.index_seconds:.1f} s; "
               f"the dashboards' daily totals: {totals_seconds:.1f} s")
    click.echo(f"{report.people:,} people in {report.families:,} families in {elapsed:.0f} s "
               f"({report.people / max(elapsed, 0.001):,.0f} people/s)")


# --- data in --------------------------------------------------------------------------------

@main.group("import")
def import_group():
    """Bring data in from other systems."""


def _importing_user(by_email: str, authorise):
    """The user an import command acts as (--by): they must exist and the import's own policy
    rule (`authorise`, which raises AccessDenied) must let them, or the command stops."""
    from sqlalchemy import select

    from caseflow.auth.models import User
    from caseflow.core.access import AccessDenied

    actor = db.session.scalar(select(User).where(User.email == by_email.strip().lower()))
    if actor is None:
        _fail(f"no user has the email {by_email}")
    try:
        authorise(actor)
    except AccessDenied as exc:
        _fail(str(exc))
    return actor


@import_group.command("migration")
@click.argument("bundle", type=click.Path(exists=True, path_type=Path))
@click.option("--source-system", required=True,
              help="The name of the system the bundle came from (e.g. 'Liquidlogic EHM'); re-runs must use the same.")
@click.option("--by", "by_email", required=True, help="The email of the analyst or administrator importing it.")
@click.option("--dry-run", is_flag=True, help="Check the whole bundle and report its problems; write nothing.")
@click.option("--batch-size", type=click.IntRange(min=1, max=10_000), default=500, show_default=True)
@with_appcontext
def import_migration(bundle, source_system, by_email, dry_run, batch_size):
    """Import BUNDLE (a directory or zip of CSV files: docs/migration-bundle.md) from the case
    management system the area used before. The whole bundle is checked first; nothing is written
    unless it has no problems. Running it again changes nothing already imported."""
    from caseflow.imports import bundle as bundles, migration

    settings = current_app.extensions["caseflow.settings"]
    actor = _importing_user(by_email, migration.authorise)
    source = bundles.open_source(bundle)
    try:
        report = bundles.check(source, settings.import_max_file_mb * 1024 * 1024,
                               known_elsewhere=migration.known_elsewhere(source_system))
        db.session.rollback()  # the check only read
        for name, rows in report.rows.items():
            click.echo(f"  {name:22s} {rows:>10,} rows")
        if not report.ok:
            for problem in report.problems:
                click.echo(str(problem), err=True)
            if report.problem_count > len(report.problems):
                click.echo(f"... and {report.problem_count - len(report.problems):,} more", err=True)
            _fail(f"the bundle has {report.problem_count:,} problems; nothing was imported")
        if dry_run:
            click.echo(f"The bundle is ready to import ({report.total_rows:,} rows). Nothing was written (dry run).")
            return
        progress = None
        with click.progressbar(length=report.total_rows, label="Importing", show_pos=True) as bar:
            done = 0
            # The entry point commits each batch the service has flushed, so a stopped run keeps
            # whole batches and a second run carries on from them.
            for progress in migration.run(actor, source, source_system, report, batch_size=batch_size):
                db.session.commit()
                bar.update(progress.rows_done - done)
                done = progress.rows_done
    finally:
        source.close()
    created = progress.created if progress else {}
    for name, count in created.items():
        click.echo(f"  {name:22s} {count:>10,} created")
    click.echo(f"{sum(created.values()):,} records imported from {source_system}; "
               f"{progress.skipped if progress else 0:,} were already here.")


@import_group.command("feed")
@click.argument("source")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "by_email", required=True, help="The email of the analyst or administrator importing it.")
@click.option("--dry-run", is_flag=True, help="Read, check and link the file and say what would happen; write nothing.")
@with_appcontext
def import_feed(source, file, by_email, dry_run):
    """Import FILE (CSV or XLSX) from the partner data feed SOURCE (its name, or its id), read
    with the feed's saved column mapping (docs/partner-feeds.md). Bad rows are listed by line and
    the good rows kept; running it again changes nothing already imported."""
    from sqlalchemy import or_, select

    from caseflow.core.errors import ServiceValidationError
    from caseflow.imports import feed_services
    from caseflow.imports.models import FeedSource, ImportJob, ImportStatus
    from caseflow.jobs import run_import

    actor = _importing_user(by_email, feed_services.authorise)
    feed = db.session.scalar(select(FeedSource).where(or_(FeedSource.name == source, FeedSource.id == source)))
    if feed is None:
        _fail(f"no partner data feed is named {source!r} (see Imports -> Partner data feeds)")
    if dry_run:
        try:
            reading, counts = feed_services.dry_run(actor, feed.id, str(file), file.name)
        except ServiceValidationError as exc:
            _fail(str(exc))
        db.session.rollback()  # the dry run only read
        for problem in reading.problems:
            click.echo(f"{file.name}, line {problem.line}" + (f", column {problem.column}" if problem.column else "")
                       + f": {problem.message}", err=True)
        if reading.problem_count > len(reading.problems):
            click.echo(f"... and {reading.problem_count - len(reading.problems):,} more", err=True)
        if reading.stopped and not reading.rows_read:
            _fail("the file cannot be read; nothing was imported")
        click.echo(f"{reading.rows_read:,} rows read, {reading.problem_count:,} problems; "
                   f"{counts['linked']:,} would be linked, {counts['needs review']:,} would wait for review, "
                   f"{counts['new']:,} would wait as new. Nothing was written (dry run).")
        return
    if not file.name.lower().endswith(feed_services.FEED_SUFFIXES):
        _fail("the file must be a CSV file (saved as 'CSV UTF-8') or an Excel workbook (.xlsx)")
    job_id = feed_services.start_from_path(actor, feed.id, str(file), file.name)
    db.session.commit()
    # The job commits its status and then each batch, as the queued job does.
    run_import(job_id)
    job = db.session.get(ImportJob, job_id)
    db.session.refresh(job)
    for problem in job.problems:
        click.echo(f"{problem['file']}, line {problem['line']}"
                   + (f", column {problem['column']}" if problem.get("column") else "") + f": {problem['message']}",
                   err=True)
    if job.problem_count > len(job.problems):
        click.echo(f"... and {job.problem_count - len(job.problems):,} more", err=True)
    if job.status != ImportStatus.DONE:
        _fail(job.error or "the file cannot be read; nothing was imported")
    counts = job.counts or {}
    click.echo(f"{job.rows_total:,} rows read, {job.problem_count:,} problems; {counts.get('linked', 0):,} linked "
               f"({counts.get('evidence created', 0):,} new evidence, {counts.get('evidence updated', 0):,} updated, "
               f"{counts.get('evidence unchanged', 0):,} unchanged), {counts.get('needs review', 0):,} waiting for "
               f"review, {counts.get('new', 0):,} waiting as new.")


@main.group("identify")
def identify_group():
    """The data identification route: families the partner data shows to be eligible."""


@identify_group.command("run")
@click.option("--by", "by_email", required=True, help="The email of the analyst or manager running it.")
@click.option("--min-problems", type=click.IntRange(min=1, max=10), default=None,
              help="Problems a family needs (default: the programme's two).")
@with_appcontext
def identify_run(by_email, min_problems):
    """Queue an identification run (or run it now when no Redis is configured) and print what it
    found. The families it proposes wait on the Identified families page for the front door."""
    from sqlalchemy import select

    from caseflow.auth.models import User
    from caseflow.core.access import AccessDenied
    from caseflow.core.errors import Conflict
    from caseflow.identification import services as identification

    actor = db.session.scalar(select(User).where(User.email == by_email.strip().lower()))
    if actor is None:
        _fail(f"no user has the email {by_email}")
    try:
        run = identification.start(actor, {"min_problems": min_problems})
    except (AccessDenied, Conflict) as exc:
        db.session.commit()  # the refusal is on the audit trail
        _fail(str(exc))
    db.session.commit()
    if run.state == "done":
        click.echo(f"Identification run {run.id} as of {run.as_of:%-d %B %Y}: {run.identified:,} families identified "
                   f"with {run.min_problems} or more problems.")
        for code, families in (run.summary.get("families_with_problem") or {}).items():
            click.echo(f"  {code:22s} {families:>10,} families")
    elif run.state == "failed":
        _fail(f"identification run {run.id} failed (the log says why); running it again is safe")
    else:
        click.echo(f"Identification run {run.id} queued: a worker runs it (caseflow worker).")


# --- demo -----------------------------------------------------------------------------------

@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Set up and load demo data, then exit.")
@click.option("--families", default=300, show_default=True, type=int)
@with_appcontext
def demo(host, port, no_serve, families):
    """Migrate, load demo data if empty, print demo logins, serve."""

    from caseflow.demo import ensure_demo_data
    from caseflow.core.migrate import upgrade

    upgrade("head")
    with unit_of_work():  # the loader commits its bulk batches as it goes; this commits the rest
        logins = ensure_demo_data(families=families)
    click.echo(f"\nCaseFlow demo is ready. Demo logins (kept in {current_app.instance_path}/demo-logins.txt):")
    for line in logins:
        click.echo(f"  {line}")
    if no_serve:
        return
    click.echo(f"\nOpen http://{host}:{port}/  (Ctrl+C to stop)")
    # The demo serves plain HTTP on the loopback address, so session cookies cannot be Secure.
    current_app.config["SESSION_COOKIE_SECURE"] = False
    current_app.config["REMEMBER_COOKIE_SECURE"] = False
    # werkzeug's server directly: Flask ignores app.run() inside its own CLI commands.
    from werkzeug.serving import run_simple

    run_simple(host, port, current_app._get_current_object(), threaded=True, use_reloader=False)
