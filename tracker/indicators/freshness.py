"""Keep the stored indicator values fresh. A change to the data behind a cycle's indicators adds an
IndicatorChange row for the cycle in the same transaction; `refresh_stale` (run every few minutes by the
scheduler, or at once by the Secretariat) recomputes the cycles that have some, and the recomputation deletes
exactly the rows it saw before reading the data. A change committed while a cycle is being computed keeps its
row, so the next run takes it in: no change is ever lost, and writers only add rows, never wait on one another.

What marks which cycles:
- an assessment submitted or reopened: its cycle (drafts do not count, so editing one marks nothing);
- an activity added, changed or deleted: every cycle closing on or after the day it ended (every cycle when
  it has no date);
- a Party's membership, regional group or LDC/SIDS status: every cycle;
- a Secretariat value: its cycle; a new cycle, or a changed reference or closing date: that cycle.
"""
from datetime import date, datetime

from sqlalchemy import DateTime, func, insert, inspect, literal, or_, select, true
from sqlalchemy import event
from sqlalchemy.orm import Session

from tracker.activities.models import Activity
from tracker.assessments.models import Assessment, AssessmentCycle
from tracker.clock import utcnow
from tracker.extensions import db
from tracker.indicators.models import IndicatorChange, SecretariatValue
from tracker.parties.models import Party

PARTY_FIELDS = ("cartagena_party", "cartagena_since", "supplementary_protocol_party", "supplementary_since",
                "un_regional_group", "ldc", "sids")


def _changed(obj, *fields) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


def _previous(obj, field):
    history = inspect(obj).attrs[field].history
    values = history.deleted or history.unchanged
    return values[0] if values else None


def _activity_days(session: Session, activity: Activity) -> list[date | None]:
    """The days the activity ended (its start when it has no end), before and after the change."""
    now = activity.end_date or activity.start_date
    if activity in session.new or activity in session.deleted:
        return [now]
    return [_previous(activity, "end_date") or _previous(activity, "start_date"), now]


def stale_condition(session: Session):
    """The cycles whose indicators the session's flushed changes affect, as a WHERE clause (None if none)."""
    conditions, cycle_ids = [], set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Assessment):
            if obj in session.new or obj in session.deleted or _changed(obj, "status"):
                cycle_ids.add(obj.cycle_id)
        elif isinstance(obj, Activity):
            if obj in session.dirty and not session.is_modified(obj):
                continue
            days = _activity_days(session, obj)
            if None in days:
                return true()
            conditions.append(AssessmentCycle.closes_on >= min(days))
        elif isinstance(obj, Party):
            if obj in session.dirty and _changed(obj, *PARTY_FIELDS):
                return true()
        elif isinstance(obj, SecretariatValue):
            cycle_ids.add(obj.cycle_id)
        elif isinstance(obj, AssessmentCycle) and obj not in session.deleted:
            if obj in session.new or _changed(obj, "reference_date", "closes_on"):
                cycle_ids.add(obj.id)
    cycle_ids.discard(None)
    if cycle_ids:
        conditions.append(AssessmentCycle.id.in_(cycle_ids))
    return or_(*conditions) if conditions else None


@event.listens_for(Session, "after_flush")
def _mark_stale(session: Session, flush_context) -> None:
    # After the flush new rows have their ids, and the session still lists what the flush wrote.
    condition = stale_condition(session)
    if condition is not None:
        session.connection().execute(insert(IndicatorChange.__table__).from_select(
            ["cycle_id", "changed_at"],
            select(AssessmentCycle.id, literal(utcnow(), DateTime)).where(condition)))


def pending_changes() -> dict[int, datetime]:
    """For each cycle with changes no recomputation has taken in: when the first of them happened."""
    return dict(db.session.execute(select(IndicatorChange.cycle_id, func.min(IndicatorChange.changed_at))
                                   .group_by(IndicatorChange.cycle_id)).all())


def refresh_stale(now: datetime | None = None, *, actor=None) -> int:
    """Recompute every cycle with pending changes (without committing), and tell the Secretariat. Returns how
    many cycles were recomputed."""
    from tracker.indicators.services import compute_cycle
    from tracker.notifications.services import indicators_recomputed

    stale = pending_changes()
    cycles = db.session.scalars(select(AssessmentCycle).where(AssessmentCycle.id.in_(stale))
                                .order_by(AssessmentCycle.opens_on)).all()
    for cycle in cycles:
        compute_cycle(cycle, actor=actor)
        indicators_recomputed(cycle, computed_at=now)
    return len(cycles)
