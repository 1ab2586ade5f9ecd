"""`flask --app tracker scheduler run`, `… scheduler jobs` and `… scheduler run-job NAME`."""
import logging
import signal
from datetime import UTC, datetime

import click
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask.cli import AppGroup

from tracker import clock
from tracker.extensions import db
from tracker.scheduler.jobs import JOBS, run_job
from tracker.scheduler.models import COMMAND, FAILED, SCHEDULED, SKIPPED
from tracker.scheduler.services import job_states, overdue_jobs

log = logging.getLogger(__name__)

scheduler_cli = AppGroup("scheduler", help="The jobs that run on their own: reminders, matching, indicators, offers.")

# A run missed by less than this (the process was busy or restarting) still happens, once (coalesce).
MISFIRE_GRACE_SECONDS = 15 * 60
# Exit status of `run-job` when another process was running the job.
EXIT_SKIPPED = 3


def _scheduled_run(app: Flask, name: str) -> None:
    with app.app_context():
        try:
            run_job(name, trigger=SCHEDULED)
        except Exception:  # the run could not even be recorded (database down?): keep the scheduler going
            log.exception("%s: the run could not be recorded", name)


@scheduler_cli.command("run")
def run() -> None:
    """Run the scheduler in the foreground until SIGTERM or Ctrl-C. Start exactly one, beside the web server:
    a second one would only skip every job (each run takes a lock)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("tracker").setLevel(logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # our own lines say when each job runs
    app = current_app._get_current_object()
    # SQLite has one writer at a time: there the jobs run one after another.
    executor = ThreadPoolExecutor(1 if db.engine.dialect.name == "sqlite" else 4)
    scheduler = BlockingScheduler(timezone=UTC, executors={"default": executor}, job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS})
    overdue = overdue_jobs(clock.utcnow())
    db.session.close()  # this thread's session is not used again: no transaction stays open while it waits
    for job in JOBS.values():
        # An overdue job runs at once, then on its schedule.
        first = {"next_run_time": datetime.now(UTC)} if job.name in overdue else {}
        scheduler.add_job(_scheduled_run, job.trigger, args=(app, job.name), id=job.name, name=job.name, **first)

    def stop(signum, frame) -> None:
        log.info("Scheduler stopping (%s): no new runs; a running job finishes first",
                 signal.Signals(signum).name)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    now = clock.utcnow()
    log.info("Scheduler started with %d jobs: %s", len(JOBS),
             ", ".join(f"{job.name} (next {_when(job.next_run(now))})" for job in JOBS.values()))
    if overdue:
        log.info("Running now, as their last scheduled time passed while no scheduler ran: %s", ", ".join(overdue))
    scheduler.start()  # returns once stopped
    executor.shutdown(wait=True)
    log.info("Scheduler stopped")


@scheduler_cli.command("jobs")
def jobs() -> None:
    """List the jobs with their schedule, next run and last run."""
    header = ("job", "schedule", "paused", "next run (UTC)", "last run (UTC)", "seconds", "outcome", "items")
    rows = [header]
    for state in job_states(clock.utcnow()):
        last = state.last
        rows.append((
            state.job.name, str(state.job.schedule), "paused" if state.paused else "", _when(state.next_run),
            _when(last.started_at) if last else "-",
            f"{last.seconds:.1f}" if last and last.seconds is not None else "-",
            state.last_outcome or "-", str(last.items) if last else "-",
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        click.echo("  ".join(value.ljust(width) for value, width in zip(row, widths)).rstrip())


@scheduler_cli.command("run-job")
@click.argument("name")
def run_one(name: str) -> None:
    """Run one job now, with its lock, even when paused. Exit status: 0 succeeded, 1 failed, 3 skipped because
    another process was running it."""
    if name not in JOBS:
        raise click.BadParameter(f"No job is named {name!r}. The jobs: {', '.join(JOBS)}.", param_hint="NAME")
    outcome = run_job(name, trigger=COMMAND)
    if outcome.outcome == SKIPPED:
        click.echo(f"{name} skipped: another process is running it.", err=True)
        click.get_current_context().exit(EXIT_SKIPPED)
    if outcome.outcome == FAILED:
        raise click.ClickException(f"Run #{outcome.id} of {name} failed: {outcome.error}")
    click.echo(f"Run #{outcome.id} of {name} succeeded: {outcome.items} {JOBS[name].items}, "
               f"{outcome.seconds:.1f} s.")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"
