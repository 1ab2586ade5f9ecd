"""The record of the scheduled jobs: every run, the jobs the Secretariat paused, and the locks of running jobs
on SQLite (PostgreSQL uses advisory locks, which need no table)."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import User
from tracker.extensions import db

# How a run ended. A run still marked running whose process is gone is shown as interrupted (never stored:
# the process that would write it is dead); its job's changes were rolled back with it (the e-mails that
# deliver_mail had already sent excepted).
RUNNING, SUCCEEDED, FAILED, SKIPPED, INTERRUPTED = "running", "succeeded", "failed", "skipped", "interrupted"
OUTCOMES = {
    RUNNING: _l("Running"),
    SUCCEEDED: _l("Succeeded"),
    FAILED: _l("Failed"),
    SKIPPED: _l("Skipped: another process was running it"),
    INTERRUPTED: _l("Interrupted"),
}

# What started a run.
SCHEDULED, MANUAL, COMMAND = "scheduled", "manual", "command"
TRIGGERS = {SCHEDULED: _l("Schedule"), MANUAL: _l("Run now"), COMMAND: _l("Command line")}


class JobRun(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(12))
    items: Mapped[int] = mapped_column(default=0)  # what the job processed: mails sent, offers closed, …
    error: Mapped[str] = mapped_column(Text, default="")
    trigger: Mapped[str] = mapped_column(String(12))
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    holder: Mapped[str] = mapped_column(String(120), default="")  # host:pid of the process that ran it

    started_by: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_job_run_job_started_at", "job", "started_at"),)

    @property
    def seconds(self) -> float | None:
        return (self.finished_at - self.started_at).total_seconds() if self.finished_at else None

    @property
    def audit_label(self) -> str:
        return f"{self.job} #{self.id}"


class JobSetting(db.Model):
    """A job the Secretariat paused: the schedule skips it, "Run now" and the command still run it. A job with
    no row runs on its schedule. An integer id, so that audit entries can point at it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64), unique=True)
    paused: Mapped[bool] = mapped_column(default=False)
    paused_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    paused_at: Mapped[datetime | None]

    paused_by: Mapped[User | None] = relationship()

    @property
    def audit_label(self) -> str:
        return self.job


class JobLock(db.Model):
    """A running job on SQLite, which has no advisory locks: the row exists while its holder runs the job."""

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))  # host:pid
    acquired_at: Mapped[datetime]
