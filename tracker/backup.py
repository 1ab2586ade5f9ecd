"""`flask --app tracker backup PATH` and `flask --app tracker restore PATH`: the whole database to a file and back.

SQLite: the online backup API copies a consistent state of the database file while the app keeps running, and
restores the same way in the other direction (in one transaction: an interrupted restore changes nothing).

PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --if-exists --no-owner --single-transaction`,
found on PATH (use the client of the server's major version or newer). The dump runs in a snapshot exported by
the transaction that counts the rows, so the counts printed are those of the file. The password is handed over
in PGPASSWORD, never on a command line that `ps` shows.

A restore first checks the file: an SQLite database that passes `PRAGMA integrity_check`, or an archive that
pg_restore can list, holding this tracker's `alembic_version` at a revision the code knows. Anything else is
refused before a single row changes.
"""
import os
import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import click
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL

from tracker.extensions import db

VERSION_TABLE = "alembic_version"


class BackupRefused(click.ClickException):
    """The file or the database is not what a backup or a restore needs; nothing was changed."""


@dataclass
class Summary:
    path: Path
    size: int
    rows: dict[str, int]  # per table of the tracker
    revision: str

    def describe(self) -> str:
        return (f"{self.path}: {_size(self.size)}, {len(self.rows)} tables, {sum(self.rows.values()):,} rows, "
                f"schema revision {self.revision}")


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    return f"{size / 1024:.1f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


def _url() -> URL:
    return db.engine.url  # as the engine resolved it: a relative SQLite path lies in the instance folder


def _migrations() -> ScriptDirectory:
    return ScriptDirectory(current_app.extensions["migrate"].directory)


def _check_revision(revision: str | None, source: str) -> None:
    if not revision:
        raise BackupRefused(f"{source} is not a backup of the tracker: it has no schema revision ({VERSION_TABLE}). "
                            "Nothing was changed.")
    known = {script.revision for script in _migrations().walk_revisions()}
    if revision not in known:
        raise BackupRefused(f"{source} has schema revision {revision}, which this version of the tracker does not "
                            "know (a backup of a newer version, or of another application). Nothing was changed.")


def _is_newer(revision: str, than: str) -> bool:
    newest_first = [script.revision for script in _migrations().walk_revisions()]
    return revision in newest_first and than in newest_first and newest_first.index(revision) < newest_first.index(than)


def _upgrade_advice(revision: str) -> str:
    heads = _migrations().get_heads()
    if revision in heads:
        return "The schema is current."
    return (f"The backup's schema revision {revision} is older than the code's ({', '.join(heads)}): "
            "run `flask --app tracker db upgrade` now.")


def _count_rows(connection) -> dict[str, int]:
    present = set(inspect(connection).get_table_names())
    tables = [table.name for table in db.metadata.sorted_tables if table.name in present]
    if VERSION_TABLE in present:
        tables.append(VERSION_TABLE)
    return {name: connection.scalar(text(f'SELECT count(*) FROM "{name}"')) for name in tables}


def _release_connections() -> None:
    """Let go of every pooled connection, so that a restore neither waits for this process nor leaves it
    holding connections to tables that were replaced."""
    db.session.remove()
    db.engine.dispose()


def _partial(path: Path) -> Path:
    """Where the file is written before it takes its name, so a failed backup leaves no truncated file."""
    return path.with_name(f".{path.name}.partial")


# --- SQLite ----------------------------------------------------------------------------------------

def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupRefused("The database is in memory: there is no file to back up or restore.")
    return Path(url.database)


def _open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)


def _sqlite_backup(url: URL, path: Path) -> Summary:
    if not _sqlite_path(url).is_file():
        raise BackupRefused(f"There is no database at {_sqlite_path(url)}: nothing to back up.")
    partial = _partial(path)
    partial.unlink(missing_ok=True)
    with closing(_open_read_only(_sqlite_path(url))) as source, closing(sqlite3.connect(partial)) as copy:
        source.backup(copy)
    os.replace(partial, path)
    return _sqlite_summary(path)


def _sqlite_summary(path: Path) -> Summary:
    engine = create_engine(f"sqlite:///{path.resolve()}")
    try:
        with engine.connect() as connection:
            rows = _count_rows(connection)
            revision = connection.scalar(text(f"SELECT version_num FROM {VERSION_TABLE}"))
    finally:
        engine.dispose()
    return Summary(path, path.stat().st_size, rows, revision)


def _sqlite_check(path: Path) -> str:
    if path.stat().st_size == 0:
        raise BackupRefused(f"{path} is empty: it is not a backup. Nothing was changed.")
    try:
        with closing(_open_read_only(path)) as connection:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupRefused(f"{path} is a damaged SQLite database ({'; '.join(problems[:3])}). "
                                    "Nothing was changed.")
            revision = None
            if connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                  (VERSION_TABLE,)).fetchone():
                revision = connection.execute(f"SELECT max(version_num) FROM {VERSION_TABLE}").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupRefused(f"{path} is not an SQLite database ({error}). Nothing was changed.") from error
    _check_revision(revision, str(path))
    return revision


def _sqlite_restore(url: URL, path: Path) -> None:
    _release_connections()
    # The copy runs as one write transaction on the database: other connections wait, and see all of it after.
    with closing(_open_read_only(path)) as source, closing(sqlite3.connect(_sqlite_path(url))) as target:
        source.backup(target)


# --- PostgreSQL ------------------------------------------------------------------------------------

def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise click.ClickException(
            f"{name} is not on PATH. Install the PostgreSQL client programs of the server's major version or newer "
            "(Debian: apt-get install postgresql-client) and try again.")
    return found


def libpq_connection(url: URL) -> tuple[str, dict]:
    """The connection as libpq's URL (without the driver and without the password) and the environment that
    carries the password."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    address = URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database,
                         query=url.query)
    return address.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def _failure(tool: str, result: subprocess.CompletedProcess) -> click.ClickException:
    detail = "\n".join(result.stderr.strip().splitlines()[-5:])
    return click.ClickException(f"{tool} failed (exit status {result.returncode}):\n{detail}")


def _postgres_backup(url: URL, path: Path) -> Summary:
    pg_dump = _tool("pg_dump")
    address, env = libpq_connection(url)
    partial = _partial(path)
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        with connection.begin():
            connection.execute(text("SET TRANSACTION READ ONLY"))
            snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
            rows = _count_rows(connection)
            revision = connection.scalar(text(f"SELECT version_num FROM {VERSION_TABLE}"))
            result = _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={partial}", address], env)
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise _failure("pg_dump", result)
    os.replace(partial, path)
    return Summary(path, path.stat().st_size, rows, revision)


def _postgres_check(path: Path) -> str:
    pg_restore = _tool("pg_restore")
    listing = _run([pg_restore, "--list", str(path)], dict(os.environ))
    if listing.returncode != 0:
        raise BackupRefused(f"{path} is not an archive made by pg_dump --format=custom "
                            f"({listing.stderr.strip()}). Nothing was changed.")
    versions = _run([pg_restore, "--data-only", f"--table={VERSION_TABLE}", "--file=-", str(path)],
                    dict(os.environ))
    found = re.search(rf"^COPY \S*{VERSION_TABLE} \(version_num\) FROM stdin;\n(\S+)\n", versions.stdout, re.M)
    revision = found.group(1) if versions.returncode == 0 and found else None
    _check_revision(revision, str(path))
    return revision


def _database_revision() -> str | None:
    with db.engine.connect() as connection:
        if VERSION_TABLE not in inspect(connection).get_table_names():
            return None
        return connection.scalar(text(f"SELECT version_num FROM {VERSION_TABLE}"))


def _postgres_check_target(revision: str) -> None:
    """pg_restore --clean drops and recreates the backup's own tables only: tables that a later revision added
    would still refer to them, so a backup of an older schema goes into an empty database."""
    current = _database_revision()
    if current and _is_newer(current, revision):
        raise BackupRefused(
            f"The database has schema revision {current}, newer than the backup's {revision}. Restore it into an "
            "empty database (dropdb and createdb, or a new one in DATABASE_URL), then run "
            "`flask --app tracker db upgrade`. Nothing was changed.")


def _postgres_restore(url: URL, path: Path) -> None:
    pg_restore = _tool("pg_restore")
    address, env = libpq_connection(url)
    _release_connections()
    result = _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction",
                   f"--dbname={address}", str(path)], env)
    if result.returncode != 0:
        raise _failure("pg_restore", result)


# --- the operations --------------------------------------------------------------------------------

def backup_database(path: Path) -> Summary:
    url = _url()
    if url.get_backend_name() == "postgresql":
        return _postgres_backup(url, path)
    return _sqlite_backup(url, path)


def check_backup(path: Path) -> str:
    """The schema revision of a backup this tracker can restore into its database; BackupRefused for anything
    else."""
    if _url().get_backend_name() != "postgresql":
        return _sqlite_check(path)
    revision = _postgres_check(path)
    _postgres_check_target(revision)
    return revision


def restore_database(path: Path) -> dict[str, int]:
    """Replace the whole database with the backup's contents; the rows per table afterwards."""
    url = _url()
    if url.get_backend_name() == "postgresql":
        _postgres_restore(url, path)
    else:
        _sqlite_restore(url, path)
    db.session.remove()
    with db.engine.connect() as connection:
        return _count_rows(connection)


# --- the commands ----------------------------------------------------------------------------------

@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@with_appcontext
def backup_command(path: Path, force: bool) -> None:
    """Write a consistent copy of the whole database to PATH (safe while the app runs). SQLite: an SQLite
    database file; PostgreSQL: a pg_dump archive in the custom format."""
    if path.exists() and not force:
        raise BackupRefused(f"{path} exists. Choose another name, or add --force to replace it.")
    if not path.parent.is_dir():
        raise BackupRefused(f"There is no directory {path.parent}.")
    summary = backup_database(path)
    click.echo(f"Backup written to {summary.describe()}.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Replace every row of the database with the contents of the backup at PATH."""
    revision = check_backup(path)
    where = _url().render_as_string(hide_password=True)
    if not yes:
        click.confirm(f"This replaces ALL data in {where} with the backup {path} (schema revision {revision}). "
                      "Continue?", abort=True)
    rows = restore_database(path)
    click.echo(f"Restored {path}: {len(rows)} tables, {sum(rows.values()):,} rows.")
    click.echo(_upgrade_advice(revision))
