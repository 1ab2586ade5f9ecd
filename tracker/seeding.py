"""Idempotent loading of reference data: rows are matched by a natural key and only changed fields are written."""
from tracker.audit.services import record
from tracker.extensions import db


def upsert(model, key: str, records: list[dict]) -> tuple[int, int]:
    """Insert or update `records` (dicts of column values) matched on `key`. Returns (created, updated)."""
    existing = {getattr(row, key): row for row in db.session.scalars(db.select(model))}
    created = updated = 0
    for values in records:
        row = existing.get(values[key])
        if row is None:
            row = model(**values)
            db.session.add(row)
            db.session.flush()
            record(None, "seed.create", row, after=_jsonable(values))
            created += 1
            continue
        before = {field: getattr(row, field) for field in values if getattr(row, field) != values[field]}
        if before:
            for field in before:
                setattr(row, field, values[field])
            record(None, "seed.update", row, before=_jsonable(before),
                   after=_jsonable({field: values[field] for field in before}))
            updated += 1
    db.session.flush()
    return created, updated


def _jsonable(values: dict) -> dict:
    return {k: v for k, v in values.items() if isinstance(v, (str, int, float, bool, type(None)))}
