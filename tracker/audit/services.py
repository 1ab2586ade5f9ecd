from tracker.audit.models import AuditEntry
from tracker.clock import utcnow
from tracker.extensions import db


def snapshot(obj, fields: tuple[str, ...]) -> dict:
    """The given fields of an object as JSON-ready values, for an audit entry."""
    values = {}
    for field in fields:
        value = getattr(obj, field)
        values[field] = value.isoformat() if hasattr(value, "isoformat") else value
    return values


def record(actor, action: str, obj, *, before: dict | None = None, after: dict | None = None) -> AuditEntry:
    """Write one audit entry. `obj` must have been flushed so that it has an id."""
    entry = AuditEntry(
        at=utcnow(),
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=type(obj).__name__,
        object_id=obj.id,
        object_label=str(getattr(obj, "audit_label", obj.id))[:300],
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry
