"""Personal API tokens: a user's key to the JSON API, shown once and stored only as a hash."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import User
from tracker.extensions import db


class ApiToken(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))  # what the user calls it, e.g. "reporting script"
    prefix: Mapped[str] = mapped_column(String(8))  # the secret's first characters, to recognise it in a list
    # The SHA-256 of the secret, in hex. A fast hash is enough here: the secret is 32 random bytes, so there is
    # nothing to guess, unlike a password; and it lets a request find its token by an index lookup.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]  # to the minute: written at most once a minute
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def audit_label(self) -> str:
        return f"{self.name} ({self.prefix}…)"
