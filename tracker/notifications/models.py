"""Notifications shown in the app, and how often each user wants them by e-mail."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import User
from tracker.extensions import db

IMMEDIATELY, DAILY, WEEKLY, NEVER = "immediately", "daily", "weekly", "never"
FREQUENCIES = {
    IMMEDIATELY: _l("Immediately"),
    DAILY: _l("Daily digest"),
    WEEKLY: _l("Weekly digest"),
    NEVER: _l("Never"),
}


class Notification(db.Model):
    """One event told to one user. `key` names the event within its kind (a cycle, a match and its step, a
    day …), so the same event is never told twice to the same user, however often a job runs."""

    __table_args__ = (UniqueConstraint("user_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(120), default="")
    # What the texts are filled with; see tracker/notifications/kinds.py for how each value is shown.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # The page it is about, as a path within the app ("/matches/12").
    url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(index=True)
    read_at: Mapped[datetime | None]
    # When it went out by e-mail, on its own or in a digest; empty while it waits for a digest, or for ever
    # when the user wants this kind never by e-mail.
    mailed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def audit_label(self) -> str:
        return f"{self.kind} {self.key}".strip()


class NotificationPreference(db.Model):
    """A user's choice for one kind; a kind without a row follows its default."""

    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    frequency: Mapped[str] = mapped_column(String(12))
