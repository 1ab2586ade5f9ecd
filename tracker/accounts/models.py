"""User accounts, their roles, and login attempts."""
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.extensions import db
from tracker.organisations.models import Organisation
from tracker.parties.models import Party

PARTY_EDITOR = "party_editor"
PARTY_FOCAL_POINT = "party_focal_point"
PROVIDER = "provider"
SECRETARIAT = "secretariat"

ROLES = {
    PARTY_EDITOR: _l("Party editor"),
    PARTY_FOCAL_POINT: _l("Party focal point"),
    PROVIDER: _l("Provider"),
    SECRETARIAT: _l("Secretariat"),
}
PARTY_ROLES = (PARTY_EDITOR, PARTY_FOCAL_POINT)

PENDING = "pending"
ACTIVE = "active"
DEACTIVATED = "deactivated"
STATUSES = {
    PENDING: _l("Awaiting approval"),
    ACTIVE: _l("Active"),
    DEACTIVATED: _l("Deactivated"),
}


class User(UserMixin, db.Model):
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    # The role asked for at registration is the role given on approval; the Secretariat may change it.
    role: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("party.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    job_title: Mapped[str] = mapped_column(String(200), default="")
    locale: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime]
    approved_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]

    party: Mapped[Party | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sessions of inactive users
        return self.status == ACTIVE

    @property
    def role_label(self) -> str:
        return str(ROLES.get(self.role, self.role))

    @property
    def status_label(self) -> str:
        return str(STATUSES.get(self.status, self.status))

    @property
    def audit_label(self) -> str:
        return self.email

    def has_role(self, *roles: str) -> bool:
        return self.is_active and self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class LoginAttempt(db.Model):
    """A failed login, kept for throttling per account and per address."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
