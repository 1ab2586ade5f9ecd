"""The jobs, when they run, and the runner that runs one: with its lock, recorded, in one transaction.

A job is a function `(now) -> int` doing its work in the ORM session without committing, through the same
services as the pages, and returning how many items it processed. The runner commits the job's changes
together with the record of the run: a run killed half way leaves no partial change, only its record still
marked running, which the pages show as interrupted; the next run does the whole work again. Jobs are
idempotent: they look at the database for what is left to do, so running one twice does nothing twice.
One exception: `deliver_mail` talks to the SMTP server and commits after each message sent, so that a crash
resends at most the message it was sending.
"""
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError

from tracker import clock
from tracker.extensions import db
from tracker.scheduler.locks import holder, job_lock
from tracker.scheduler.models import FAILED, RUNNING, SCHEDULED, SKIPPED, SUCCEEDED, JobRun, JobSetting

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    function: Callable[[datetime], int]
    trigger: BaseTrigger
    schedule: str     # the trigger in words
    description: str
    items: str        # what the count of items processed counts

    def next_run(self, now: datetime) -> datetime | None:
        """The next time the schedule fires from `now` on (naive UTC, like every time in the database)."""
        fire = self.trigger.get_next_fire_time(None, now.replace(tzinfo=UTC))
        return fire.astimezone(UTC).replace(tzinfo=None) if fire else None

    def last_due(self, now: datetime) -> datetime | None:
        """The last time the schedule fired up to `now`, looking back a day (every job runs at least daily)."""
        due, moment = None, now - timedelta(days=1)
        # A one-off trigger gives its time again, even once past: stop when the schedule does not move on.
        while (fire := self.next_run(moment)) is not None and moment <= fire <= now:
            due, moment = fire, fire + timedelta(seconds=1)
        return due


JOBS: dict[str, Job] = {}


def register(name: str, trigger: BaseTrigger, schedule: str, description: str, items: str):
    def decorate(function: Callable[[datetime], int]):
        JOBS[name] = Job(name, function, trigger, schedule, description, items)
        return function
    return decorate


# Cron triggers even for the frequent jobs: an interval counts from when its process started, so the page
# could not say when the scheduler process will run it; a cron time is the same in every process.
def every(minutes: int) -> CronTrigger:
    return CronTrigger(minute="*" if minutes == 1 else f"*/{minutes}", timezone=UTC)


def daily(at: str) -> CronTrigger:
    hour, minute = at.split(":")
    return CronTrigger(hour=int(hour), minute=int(minute), timezone=UTC)


class JobFailed(Exception):
    """Raised by a job that failed but wrote down its failure itself (as the allocation does with a failed run):
    what it wrote is kept, and the run is recorded as failed with this message."""


# --- the jobs ------------------------------------------------------------------------------------
# The notification jobs and the indicators' freshness are imported when they run, so that this registry
# (and the web app, which lists it) never depends on them being importable.

@register("deliver_mail", every(1), _l("Every minute"),
          _l("Sends the e-mails waiting in the outbox, when an SMTP server is configured."), _l("e-mails sent"))
def deliver_mail(now: datetime) -> int:
    from tracker.notifications.jobs import deliver_mail

    return deliver_mail(now)


@register("cycle_reminders", daily("07:00"), _l("Daily at %(time)s UTC", time="07:00"),
          _l("Tells Parties' users when a self-assessment cycle opens, and reminds those who have not submitted "
             "14, 7 and 1 days before it closes."), _l("notifications"))
def cycle_reminders(now: datetime) -> int:
    from tracker.notifications.jobs import cycle_reminders

    return cycle_reminders(now)


@register("suggestion_digest", daily("06:00"), _l("Daily at %(time)s UTC", time="06:00"),
          _l("Tells Parties' users and providers how many matches were newly suggested to them since they were "
             "last told."), _l("notifications"))
def suggestion_digest(now: datetime) -> int:
    from tracker.notifications.jobs import suggestion_digest

    return suggestion_digest(now)


@register("digests", daily("06:30"), _l("Daily at %(time)s UTC", time="06:30"),
          _l("Sends the daily and weekly digests of notifications to those who chose them."), _l("digests"))
def digests(now: datetime) -> int:
    from tracker.notifications.jobs import digests

    return digests(now)


@register("stalled_matches", daily("06:15"), _l("Daily at %(time)s UTC", time="06:15"),
          _l("Nudges both sides of a match in progress that has had no step for a while (amber, then red, as on "
             "the match pages)."), _l("notifications"))
def stalled_matches(now: datetime) -> int:
    from tracker.notifications.jobs import stalled_matches

    return stalled_matches(now)


@register("expiring_offers", daily("06:20"), _l("Daily at %(time)s UTC", time="06:20"),
          _l("Tells providers when one of their open offers closes within two weeks."), _l("notifications"))
def expiring_offers(now: datetime) -> int:
    from tracker.notifications.jobs import expiring_offers

    return expiring_offers(now)


@register("close_offers", daily("00:10"), _l("Daily at %(time)s UTC", time="00:10"),
          _l("Writes down the offers whose window has ended (expired) or whose places are all taken (closed), "
             "and expires the proposals on them."), _l("offers and proposals"))
def close_offers(now: datetime) -> int:
    from tracker.matching.services import expire_matches
    from tracker.offers.services import close_finished_offers

    today = now.date()
    # The proposals first, so that they are counted: close_finished_offers' own pass then finds none left.
    return expire_matches(today) + close_finished_offers(today)


@register("nightly_matching", daily("02:00"), _l("Daily at %(time)s UTC", time="02:00"),
          _l("Runs the global allocation: pairs every need with the open offers and replaces the suggestions."),
          _l("suggestions"))
def nightly_matching(now: datetime) -> int:
    from tracker.matching.models import RUN_SUCCEEDED
    from tracker.matching.services import run_allocation

    # As the Secretariat's button and `match run` do. The allocation works in a savepoint inside this
    # transaction; a failure rolls the savepoint back and records a failed allocation run, which is kept.
    result = run_allocation(actor=None, today=now.date())
    if result.run.status != RUN_SUCCEEDED:
        raise JobFailed(f"Allocation run #{result.run.id} failed; the previous suggestions are kept. "
                        f"{result.run.error}")
    return result.suggestions


@register("refresh_indicators", every(10), _l("Every %(minutes)d minutes", minutes=10),
          _l("Recomputes the indicators of the cycles whose data changed since they were computed."),
          _l("cycles"))
def refresh_indicators(now: datetime) -> int:
    from tracker.indicators.freshness import refresh_stale

    return refresh_stale(now)


# --- the runner ----------------------------------------------------------------------------------

def is_paused(name: str) -> bool:
    return bool(db.session.scalar(select(JobSetting.paused).where(JobSetting.job == name)))


def run_job(name: str, *, trigger: str, actor=None) -> JobRun | None:
    """Run the job now if no other process is running it, and record the run. Commits (a run is its own
    unit of work, like a command). A paused job is not run by the schedule, and nothing is recorded; "Run
    now" and the command run it all the same. Returns the run, None when paused; a run skipped because
    another process holds the lock is recorded as skipped."""
    job = JOBS[name]
    if trigger == SCHEDULED and is_paused(name):
        log.info("%s is paused: not run", name)
        return None
    actor_id = actor.id if actor is not None else None
    with job_lock(name) as acquired:
        if not acquired:
            log.warning("%s skipped: another process runs it", name)
            return _record_skipped(name, trigger, actor_id)
        now = clock.utcnow()
        run = JobRun(job=name, started_at=now, outcome=RUNNING, trigger=trigger, started_by_id=actor_id,
                     holder=holder())
        db.session.add(run)
        db.session.commit()
        log.info("%s started: run #%d", name, run.id)
        try:
            try:
                items = job.function(now)
            except JobFailed as failure:
                _finish(run, FAILED, error=str(failure))
            else:
                _finish(run, SUCCEEDED, items=items)
        except Exception as error:
            db.session.rollback()
            log.exception("%s failed: run #%d", name, run.id)
            _finish(run, FAILED, error=f"{type(error).__name__}: {error}")
    log.info("%s %s: run #%d, %d items, %.1f s", name, run.outcome, run.id, run.items, run.seconds)
    return run


def _finish(run: JobRun, outcome: str, *, items: int = 0, error: str = "") -> None:
    """Write the run's outcome and commit it, together with what the job changed."""
    run.outcome, run.items, run.error = outcome, items, error[:4000]
    run.finished_at = clock.utcnow()
    kept_since = run.finished_at - timedelta(days=current_app.config["SCHEDULER_KEEP_RUNS_DAYS"])
    db.session.execute(delete(JobRun).where(JobRun.job == run.job, JobRun.started_at < kept_since))
    db.session.commit()


def _record_skipped(name: str, trigger: str, actor_id: int | None) -> JobRun:
    now = clock.utcnow()
    run = JobRun(job=name, started_at=now, finished_at=now, outcome=SKIPPED, trigger=trigger,
                 started_by_id=actor_id, holder=holder())
    db.session.add(run)
    try:
        db.session.commit()
    except OperationalError as error:  # SQLite, while the other process writes: the log line is the record
        db.session.rollback()
        log.warning("%s: the skipped run was not recorded: %s", name, error)
    return run
