"""The Secretariat's view of the scheduled jobs: what runs when and how it went; run one now, pause one."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from tracker import clock
from tracker.extensions import db
from tracker.paging import requested_page
from tracker.scheduler import services
from tracker.scheduler.jobs import JOBS, Job, run_job
from tracker.scheduler.models import FAILED, MANUAL, OUTCOMES, SKIPPED, TRIGGERS, JobSetting
from tracker.scheduler.permissions import can_manage_jobs

bp = Blueprint("scheduler", __name__)
PAGE_SIZE = 50


@bp.context_processor
def _helpers():
    return {"OUTCOMES": OUTCOMES, "TRIGGERS": TRIGGERS}


def _job(name: str) -> Job:
    if not can_manage_jobs(current_user):
        abort(403)
    if name not in JOBS:
        abort(404)
    return JOBS[name]


def _back(job: Job):
    # Back to the page the button was on.
    if request.form.get("back") == "job":
        return redirect(url_for("scheduler.job", name=job.name))
    return redirect(url_for("scheduler.jobs"))


@bp.get("/admin/jobs")
@login_required
def jobs():
    if not can_manage_jobs(current_user):
        abort(403)
    return render_template("scheduler/jobs.html", states=services.job_states(clock.utcnow()))


@bp.get("/admin/jobs/<name>")
@login_required
def job(name: str):
    job = _job(name)
    page, outcomes = services.run_history(name, requested_page(), PAGE_SIZE)
    setting = db.session.scalar(select(JobSetting).where(JobSetting.job == name))
    paused = setting is not None and setting.paused
    pager_args = request.args.copy()
    pager_args["name"] = name
    return render_template("scheduler/job.html", job=job, page=page, outcomes=outcomes, paused=paused,
                           setting=setting, next_run=None if paused else job.next_run(clock.utcnow()),
                           pager_args=pager_args)


@bp.post("/admin/jobs/<name>/run")
@login_required
def run_now(name: str):
    job = _job(name)
    run = run_job(name, trigger=MANUAL, actor=current_user)  # commits its own run
    if run.outcome == SKIPPED:
        flash(_("Another process is running this job now; it was not run a second time."), "error")
    elif run.outcome == FAILED:
        flash(_("The job failed; the error is in its run history."), "error")
    else:
        flash(ngettext("Done: %(num)d item processed.", "Done: %(num)d items processed.", run.items), "success")
    return _back(job)


@bp.post("/admin/jobs/<name>/pause")
@login_required
def pause(name: str):
    job = _job(name)
    services.set_paused(name, True, actor=current_user)
    db.session.commit()
    flash(_("Paused: the schedule skips this job until it is resumed. “Run now” still runs it."), "success")
    return _back(job)


@bp.post("/admin/jobs/<name>/resume")
@login_required
def resume(name: str):
    job = _job(name)
    services.set_paused(name, False, actor=current_user)
    db.session.commit()
    flash(_("Resumed: the job runs on its schedule again."), "success")
    return _back(job)
