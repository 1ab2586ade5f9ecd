"""One process at a time runs a job, however many scheduler processes were started.

PostgreSQL: a session-level advisory lock, taken with `pg_try_advisory_lock` on a connection of its own and
held for the whole run. If the process dies, the server ends its session and the lock goes with it.

SQLite has no such locks: a `job_lock` row, inserted and committed before the run and deleted after it, is
the lock. A killed process cannot delete its row, so a row may be taken over when its holder is known to be
gone (a process of this host that no longer exists, or this very process when it is not running the job) or
when it is older than SCHEDULER_LOCK_TIMEOUT_MINUTES (a holder on another host cannot be asked; the timeout
must be longer than the longest job).
"""
import hashlib
import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from tracker.clock import utcnow
from tracker.extensions import db
from tracker.scheduler.models import JobLock

log = logging.getLogger(__name__)

# Jobs this process is running now, to tell its own live lock rows from ones a crashed run left behind.
_held_here: set[str] = set()


def holder() -> str:
    """This process, as written on its runs and lock rows."""
    return f"{socket.gethostname()}:{os.getpid()}"


def advisory_key(name: str) -> int:
    """A stable 63-bit key for the job (not Python's hash(), which changes between processes). Non-negative, so
    that pg_locks' two 32-bit halves give it back without sign games."""
    digest = hashlib.sha256(f"tracker.scheduler.{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def _postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


@contextmanager
def job_lock(name: str) -> Iterator[bool]:
    """Take the job's lock for the block; yields whether it was taken (False: another process runs the job)."""
    with (_advisory_lock(name) if _postgresql() else _lock_row(name)) as acquired:
        if not acquired:
            yield False
            return
        _held_here.add(name)
        try:
            yield True
        finally:
            _held_here.discard(name)


@contextmanager
def _advisory_lock(name: str) -> Iterator[bool]:
    # A connection of its own, not the ORM session's. Autocommit keeps it out of a transaction that a server
    # timeout for idle transactions would end, taking the lock with it. At the end it is closed, not returned
    # to the pool, so that no lock can outlive the run in a pooled connection.
    connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    key = advisory_key(name)
    try:
        acquired = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
        try:
            yield acquired
        finally:
            if acquired:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    finally:
        connection.invalidate()
        connection.close()


def _abandoned(lock_holder: str, acquired_at: datetime, name: str, now: datetime) -> bool:
    timeout = timedelta(minutes=current_app.config["SCHEDULER_LOCK_TIMEOUT_MINUTES"])
    if now - acquired_at > timeout:
        return True
    if lock_holder == holder():
        return name not in _held_here
    host, _, pid = lock_holder.rpartition(":")
    return host == socket.gethostname() and pid.isdecimal() and not _process_exists(int(pid))


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


@contextmanager
def _lock_row(name: str) -> Iterator[bool]:
    me, now = holder(), utcnow()
    try:
        with db.engine.begin() as connection:
            row = connection.execute(select(JobLock.holder, JobLock.acquired_at).where(JobLock.name == name)).first()
            if row is not None and _abandoned(row.holder, row.acquired_at, name, now):
                log.warning("%s: taking over the lock %s left at %s", name, row.holder, row.acquired_at)
                # Only that very row: if another process took it over first, our insert fails below.
                connection.execute(delete(JobLock).where(JobLock.name == name, JobLock.holder == row.holder,
                                                         JobLock.acquired_at == row.acquired_at))
            connection.execute(insert(JobLock).values(name=name, holder=me, acquired_at=now))
        acquired = True
    except IntegrityError:
        acquired = False
    except OperationalError as error:
        if "locked" not in str(error):
            raise
        log.warning("%s: the database is busy, the lock was not taken: %s", name, error)
        acquired = False
    try:
        yield acquired
    finally:
        if acquired:
            with db.engine.begin() as connection:
                connection.execute(delete(JobLock).where(JobLock.name == name, JobLock.holder == me,
                                                         JobLock.acquired_at == now))


def lock_held(name: str) -> bool:
    """Whether a live process holds the job's lock now (without taking it)."""
    if _postgresql():
        return bool(db.session.scalar(text(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND (classid::bigint << 32) + objid::bigint = :key)"), {"key": advisory_key(name)}))
    row = db.session.execute(select(JobLock.holder, JobLock.acquired_at).where(JobLock.name == name)).first()
    return row is not None and not _abandoned(row.holder, row.acquired_at, name, utcnow())
