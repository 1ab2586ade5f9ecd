from datetime import UTC, date, datetime


def utcnow() -> datetime:
    """Naive UTC time, stored the same way on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """Today's date in UTC: cycles open and close by it."""
    return datetime.now(UTC).date()
