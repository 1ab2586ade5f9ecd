"""Pausing and resuming a job, and what the jobs page and `scheduler jobs` show of each job."""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from tracker import clock
from tracker.audit.services import record
from tracker.errors import PermissionDenied
from tracker.extensions import db
from tracker.paging import Page
from tracker.scheduler.jobs import JOBS, Job
from tracker.scheduler.locks import lock_held
from tracker.scheduler.models import INTERRUPTED, RUNNING, SKIPPED, JobRun, JobSetting
from tracker.scheduler.permissions import can_manage_jobs


def set_paused(name: str, paused: bool, *, actor) -> JobSetting:
    """Pause the job (the schedule skips it until it is resumed) or resume it, with an audit entry."""
    if not can_manage_jobs(actor):
        raise PermissionDenied(_("You are not allowed to do this."))
    setting = db.session.scalar(select(JobSetting).where(JobSetting.job == name))
    if setting is None:
        setting = JobSetting(job=name, paused=False)
        db.session.add(setting)
    if setting.paused == paused:
        return setting
    setting.paused = paused
    setting.paused_by_id = actor.id if paused else None
    setting.paused_at = clock.utcnow() if paused else None
    db.session.flush()
    record(actor, "job.pause" if paused else "job.resume", setting, before={"paused": not paused},
           after={"paused": paused})
    return setting


# --- what is shown -------------------------------------------------------------------------------

@dataclass
class JobState:
    job: Job
    setting: JobSetting | None
    last: JobRun | None        # the latest run that was not skipped
    last_outcome: str | None   # its outcome, or interrupted when its process is gone
    skipped: JobRun | None     # the latest skipped run, if it came after `last`
    next_run: datetime | None  # None while paused

    @property
    def paused(self) -> bool:
        return self.setting is not None and self.setting.paused


def _live_run_id(name: str) -> int | None:
    """The run holding the job's lock now: its latest run that took the lock, if a live process holds it."""
    if not lock_held(name):
        return None
    return db.session.scalar(select(func.max(JobRun.id)).where(JobRun.job == name, JobRun.outcome != SKIPPED))


def shown_outcome(run: JobRun, live_run_id: int | None) -> str:
    """A run marked running whose process no longer runs it was interrupted (killed, or the host stopped)."""
    return INTERRUPTED if run.outcome == RUNNING and run.id != live_run_id else run.outcome


def _latest_runs(condition) -> dict[str, JobRun]:
    """Each job's latest run among those meeting the condition."""
    latest = select(JobRun.job, func.max(JobRun.id).label("id")).where(condition).group_by(JobRun.job).subquery()
    return {run.job: run for run in db.session.scalars(select(JobRun).join(latest, JobRun.id == latest.c.id))}


def job_states(now: datetime) -> list[JobState]:
    settings = {setting.job: setting for setting in db.session.scalars(select(JobSetting))}
    last_runs, skipped_runs = _latest_runs(JobRun.outcome != SKIPPED), _latest_runs(JobRun.outcome == SKIPPED)
    states = []
    for name, job in JOBS.items():
        setting, last, skipped = settings.get(name), last_runs.get(name), skipped_runs.get(name)
        outcome = None
        if last is not None:
            outcome = shown_outcome(last, _live_run_id(name) if last.outcome == RUNNING else None)
        paused = setting is not None and setting.paused
        states.append(JobState(job=job, setting=setting, last=last, last_outcome=outcome,
                               skipped=skipped if skipped and (last is None or skipped.id > last.id) else None,
                               next_run=None if paused else job.next_run(now)))
    return states


def run_history(name: str, page: int, per_page: int = 50) -> tuple[Page, dict[int, str]]:
    """The job's runs, newest first, and the outcome to show for each."""
    query = select(JobRun).where(JobRun.job == name)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    runs = db.session.scalars(query.options(db.joinedload(JobRun.started_by))
                              .order_by(JobRun.id.desc()).limit(per_page).offset((page - 1) * per_page)).all()
    live = _live_run_id(name) if any(run.outcome == RUNNING for run in runs) else None
    return Page(items=runs, page=page, per_page=per_page, total=total), {
        run.id: shown_outcome(run, live) for run in runs}


def overdue_jobs(now: datetime) -> list[str]:
    """The jobs whose last scheduled time passed with no run since (the scheduler was stopped then, for a
    deploy or a restart), paused ones apart. The scheduler runs them as it starts, rather than a day late."""
    paused = set(db.session.scalars(select(JobSetting.job).where(JobSetting.paused.is_(True))))
    last_started = dict(db.session.execute(select(JobRun.job, func.max(JobRun.started_at))
                                           .where(JobRun.outcome != SKIPPED).group_by(JobRun.job)).all())
    overdue = []
    for name, job in JOBS.items():
        due = job.last_due(now)
        if name not in paused and due is not None and (name not in last_started or last_started[name] < due):
            overdue.append(name)
    return overdue
