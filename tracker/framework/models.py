"""The Implementation Plan (Annex I) and CB Action Plan (Annex II), as printed in the text."""
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db


class Goal(db.Model):
    """One of the 14 goals (A.1–A.10 areas for implementation, B.1–B.4 enabling environment)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    section: Mapped[str] = mapped_column(String(1))  # "A" or "B"
    position: Mapped[int]
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    # Annex II words some goal titles differently; empty when it does not.
    cb_text_zh: Mapped[str] = mapped_column(Text, default="")
    cb_text_en: Mapped[str] = mapped_column(Text, default="")
    outcome_zh: Mapped[str] = mapped_column(Text)
    outcome_en: Mapped[str] = mapped_column(Text)
    cb_outcome_zh: Mapped[str] = mapped_column(Text)
    cb_outcome_en: Mapped[str] = mapped_column(Text)
    actors_zh: Mapped[str] = mapped_column(Text)
    actors_en: Mapped[str] = mapped_column(Text)

    objectives: Mapped[list["Objective"]] = relationship(back_populates="goal", order_by="Objective.position")
    plan_indicators: Mapped[list["PlanIndicator"]] = relationship(back_populates="goal", order_by="PlanIndicator.position")
    key_areas: Mapped[list["KeyArea"]] = relationship(back_populates="goal", order_by="KeyArea.position")
    activity_examples: Mapped[list["ActivityExample"]] = relationship(back_populates="goal", order_by="ActivityExample.position")
    cb_indicators: Mapped[list["CBIndicator"]] = relationship(back_populates="goal", order_by="CBIndicator.position")

    @property
    def audit_label(self) -> str:
        return self.code

    def __repr__(self) -> str:
        return f"<Goal {self.code}>"


class _GoalItem:
    """Columns shared by every numbered item under a goal."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id"), index=True)
    position: Mapped[int]
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    # A sub-heading printed inside the cell before some items (e.g. A.10's "For Parties to the
    # Supplementary Protocol:"); empty for most.
    heading_zh: Mapped[str] = mapped_column(Text, default="")
    heading_en: Mapped[str] = mapped_column(Text, default="")

    @property
    def audit_label(self) -> str:
        return self.code

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.code}>"


class Objective(_GoalItem, db.Model):
    goal: Mapped[Goal] = relationship(back_populates="objectives")


class PlanIndicator(_GoalItem, db.Model):
    """An Annex I indicator, e.g. A.1(a)."""

    goal: Mapped[Goal] = relationship(back_populates="plan_indicators")


class KeyArea(_GoalItem, db.Model):
    """A key capacity-building area of Annex II, e.g. A.8(3)."""

    goal: Mapped[Goal] = relationship(back_populates="key_areas")


class ActivityExample(_GoalItem, db.Model):
    """An example CB activity of Annex II, e.g. A.8㈡."""

    goal: Mapped[Goal] = relationship(back_populates="activity_examples")


class CBIndicator(_GoalItem, db.Model):
    """An Annex II capacity-building indicator, e.g. A.8(c)."""

    __tablename__ = "cb_indicator"
    goal: Mapped[Goal] = relationship(back_populates="cb_indicators")


# Export and seed order: the list names of the framework file and their models.
FRAMEWORK_LISTS = {
    "objectives": Objective,
    "plan_indicators": PlanIndicator,
    "key_areas": KeyArea,
    "activity_examples": ActivityExample,
    "cb_indicators": CBIndicator,
}
