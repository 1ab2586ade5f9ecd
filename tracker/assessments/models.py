"""Assessment cycles, each Party's self-assessment of CB needs per key area, and declared answers."""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import User
from tracker.extensions import db
from tracker.framework.models import KeyArea
from tracker.parties.models import Party

DRAFT = "draft"
SUBMITTED = "submitted"
ASSESSMENT_STATUSES = {DRAFT: _l("Draft"), SUBMITTED: _l("Submitted")}

# Who may see a Party's needs besides the Party itself and the Secretariat.
VISIBILITIES = {
    "secretariat": _l("The Secretariat only"),
    "providers": _l("The Secretariat and vetted providers"),
    "public": _l("Everyone (public)"),
}
DEFAULT_VISIBILITY = "providers"

ANSWER_CHOICES = {"yes": _l("Yes"), "partly": _l("Partly"), "no": _l("No")}


class AssessmentCycle(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    # Parties to the Protocol as at this date form the indicators' denominator.
    reference_date: Mapped[date]
    baseline: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]

    def is_open(self, today: date) -> bool:
        return self.opens_on <= today <= self.closes_on

    def days_left(self, today: date) -> int:
        return (self.closes_on - today).days

    @property
    def audit_label(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<AssessmentCycle {self.name}>"


class Assessment(db.Model):
    """One per Party per cycle; versioned: each submission keeps a snapshot."""

    __table_args__ = (UniqueConstraint("party_id", "cycle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("assessment_cycle.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=DRAFT)
    version: Mapped[int] = mapped_column(default=1)  # the version being drafted or last submitted
    visibility: Mapped[str] = mapped_column(String(16), default=DEFAULT_VISIBILITY)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Optimistic locking: every save bumps it; a save based on an older value is refused.
    lock_version: Mapped[int] = mapped_column(default=1)

    party: Mapped[Party] = relationship()
    cycle: Mapped[AssessmentCycle] = relationship()
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    needs: Mapped[list["Need"]] = relationship(back_populates="assessment", cascade="all, delete-orphan")
    answers: Mapped[list["DeclaredAnswer"]] = relationship(back_populates="assessment", cascade="all, delete-orphan")
    versions: Mapped[list["AssessmentVersion"]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="AssessmentVersion.version")

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def audit_label(self) -> str:
        return f"{self.party.iso3} {self.cycle.name}"

    @property
    def status_label(self) -> str:
        return str(ASSESSMENT_STATUSES[self.status])


class Need(db.Model):
    """A Party's need in one key area. No row (or no level) means the area was not yet considered."""

    __table_args__ = (UniqueConstraint("assessment_id", "key_area_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), index=True)
    key_area_id: Mapped[int] = mapped_column(ForeignKey("key_area.id"), index=True)
    level: Mapped[str | None] = mapped_column(String(8))
    priority: Mapped[int | None]
    audiences: Mapped[list] = mapped_column(JSON, default=list)
    support_types: Mapped[list] = mapped_column(JSON, default=list)
    modality: Mapped[str | None] = mapped_column(String(16))
    languages: Mapped[list] = mapped_column(JSON, default=list)
    wanted_by: Mapped[date | None]
    comment: Mapped[str] = mapped_column(Text, default="")

    assessment: Mapped[Assessment] = relationship(back_populates="needs")
    key_area: Mapped[KeyArea] = relationship()


class DeclaredQuestion(db.Model):
    """A question whose answers feed a 'declared' indicator (seeded from seed_data/declared_questions.json)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    indicator_code: Mapped[str] = mapped_column(String(16))  # a CB indicator, e.g. "A.1(b)"
    kind: Mapped[str] = mapped_column(String(8))  # "choice" (yes/partly/no) or "number"
    # Asked only of Parties to the Supplementary Protocol.
    supplementary_only: Mapped[bool] = mapped_column(default=False)
    # False for counts "since the previous cycle": copying last cycle's answer would be wrong.
    carry_over: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int]
    text_en: Mapped[str] = mapped_column(Text)
    text_zh: Mapped[str] = mapped_column(Text)

    @property
    def audit_label(self) -> str:
        return self.code


class DeclaredAnswer(db.Model):
    __table_args__ = (UniqueConstraint("assessment_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("declared_question.id"))
    choice: Mapped[str | None] = mapped_column(String(8))
    number: Mapped[int | None]
    evidence_url: Mapped[str] = mapped_column(String(500), default="")

    assessment: Mapped[Assessment] = relationship(back_populates="answers")
    question: Mapped[DeclaredQuestion] = relationship()


class AssessmentVersion(db.Model):
    """What a Party submitted: a frozen copy of the needs and answers at each submission."""

    __table_args__ = (UniqueConstraint("assessment_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), index=True)
    version: Mapped[int]
    submitted_at: Mapped[datetime]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    content: Mapped[dict] = mapped_column(JSON)

    assessment: Mapped[Assessment] = relationship(back_populates="versions")
    submitted_by: Mapped[User | None] = relationship()


class PendingUpload(db.Model):
    """A parsed XLSX upload waiting for the user's confirmation; applied only if nothing changed since."""

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime]
    lock_version: Mapped[int]  # the assessment's lock_version the preview was computed against
    content: Mapped[dict] = mapped_column(JSON)
