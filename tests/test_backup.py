"""`flask --app tracker backup` and `… restore`: a round trip gives back every row of every table, and a
restore refuses anything but a backup of this tracker without touching the data (SQLite and PostgreSQL)."""
import os
import sqlite3
import subprocess
from contextlib import closing

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.engine import make_url

from tests.conftest import drop_everything, make_organisation, make_user
from tracker.accounts.models import PROVIDER, SECRETARIAT, User
from tracker.backup import libpq_connection
from tracker.clock import utcnow
from tracker.extensions import db
from tracker.matching.models import Match
from tracker.offers.models import Offer
from tracker.offers.search import include_name
from tracker.organisations.models import Organisation
from tracker.parties.models import Party

# Tables the demo data must fill, so that the round trip compares real rows and not empty tables.
FILLED_BY_DEMO = {"user_account", "organisation", "assessment", "need", "assessment_version", "offer", "offer_match",
                  "activity", "audit_entry", "indicator_value", "party", "key_area", "alembic_version"}


def every_row() -> dict[str, list[tuple]]:
    """Each table of the tracker (and the schema revision), its rows in primary-key order."""
    db.session.remove()
    with db.engine.connect() as connection:
        rows = {table.name: [tuple(row) for row in connection.execute(
                    select(table).order_by(*table.primary_key.columns))]
                for table in db.metadata.sorted_tables}
        rows["alembic_version"] = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    return rows


def schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": include_name})
        return compare_metadata(context, db.metadata)


def on_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def set_revision(revision: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


def some_data() -> None:
    organisation = make_organisation(name="Institute of Biosafety")
    make_user(PROVIDER, party_iso3=None, organisation=organisation)
    make_user()


@pytest.fixture
def backup(runner, ctx, tmp_path):
    """A backup of the database as it is when the test calls it."""
    def take(name="tracker.backup"):
        path = tmp_path / name
        result = runner.invoke(args=["backup", str(path)])
        assert result.exit_code == 0, result.output
        return path
    return take


def test_round_trip_gives_back_every_row_of_every_table(runner, ctx, tmp_path):
    seeded = runner.invoke(args=["seed", "--demo"])
    assert seeded.exit_code == 0, seeded.output
    make_user(SECRETARIAT, party_iso3=None, locale="zh")
    before = every_row()
    assert {name for name, rows in before.items() if rows} >= FILLED_BY_DEMO

    path = tmp_path / "tracker.backup"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    total = sum(len(rows) for rows in before.values())
    assert f"{path}: " in result.output and f"{total:,} rows" in result.output

    db.session.execute(update(Party).where(Party.iso3 == "KEN").values(name_en="Changed after the backup"))
    db.session.execute(update(Offer).values(title="Changed after the backup"))
    db.session.execute(delete(Match))
    db.session.commit()
    make_user(email="added.after.backup@example.org")
    assert every_row() != before

    result = runner.invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert f"{total:,} rows" in result.output and "The schema is current." in result.output
    after = every_row()
    for table, rows in before.items():
        assert after[table] == rows, table
    assert after.keys() == before.keys()
    assert schema_differences() == []
    # New rows after a restore get fresh ids (the sequences came back with the rows).
    make_user(email="after.restore@example.org")
    assert db.session.scalar(select(db.func.count(User.id))) == len(before["user_account"]) + 1


def test_backup_taken_during_a_write_holds_only_what_was_committed(runner, ctx, backup):
    some_data()
    writer = db.engine.connect()
    try:
        transaction = writer.begin()
        writer.execute(insert(Organisation).values(name="Written during the backup", type="ngo", vetted=False,
                                                   created_at=utcnow()))
        path = backup()
        transaction.commit()
    finally:
        writer.close()
    committed = every_row()
    assert "Written during the backup" in str(committed["organisation"])

    result = runner.invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    restored = every_row()
    assert "Written during the backup" not in str(restored["organisation"])
    assert restored["user_account"] == committed["user_account"]


def random_bytes(tmp_path):
    path = tmp_path / "random.backup"
    path.write_bytes(os.urandom(64 * 1024))
    return path, "not"


def empty_file(tmp_path):
    path = tmp_path / "empty.backup"
    path.touch()
    return path, "not" if on_postgresql() else "empty"


def foreign_sqlite_database(tmp_path):
    path = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE party (id INTEGER PRIMARY KEY, name TEXT)")
        connection.execute("INSERT INTO party (name) VALUES ('Somewhere')")
        connection.commit()
    return path, "not"


def foreign_archive(tmp_path):
    """On PostgreSQL: a pg_dump archive of one table (no schema revision); on SQLite: a text file."""
    path = tmp_path / "other.dump"
    if not on_postgresql():
        path.write_text("-- PostgreSQL database dump\n")
        return path, "not"
    address, env = libpq_connection(db.engine.url)
    subprocess.run(["pg_dump", "--format=custom", "--table=party", f"--file={path}", address], env=env, check=True)
    return path, "not a backup of the tracker"


@pytest.mark.parametrize("make_file", [random_bytes, empty_file, foreign_sqlite_database, foreign_archive])
def test_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(runner, ctx, tmp_path, make_file):
    some_data()
    path, reason = make_file(tmp_path)
    before = every_row()
    result = runner.invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 1
    assert reason in result.output and "Nothing was changed." in result.output
    assert every_row() == before


def test_restore_refuses_a_backup_of_a_newer_schema(runner, ctx, backup):
    some_data()
    head = every_row()["alembic_version"][0][0]
    set_revision("ffffffffffff")
    try:
        path = backup()
    finally:
        set_revision(head)
    before = every_row()
    result = runner.invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 1
    assert "schema revision ffffffffffff" in result.output and "Nothing was changed." in result.output
    assert every_row() == before


def test_an_older_backup_goes_into_an_empty_database_and_the_restore_says_to_upgrade(
        runner, ctx, backup, database_url_for_tests):
    head = every_row()["alembic_version"][0][0]
    some_data()
    set_revision("0001")
    try:
        path = backup()
        set_revision(head)
        before = every_row()
        if on_postgresql():  # pg_restore --clean would leave the newer schema's tables in the way
            refused = runner.invoke(args=["restore", str(path), "--yes"])
            assert refused.exit_code == 1
            assert "empty database" in refused.output and "Nothing was changed." in refused.output
            assert every_row() == before

        db.session.remove()
        drop_everything(database_url_for_tests)
        result = runner.invoke(args=["restore", str(path), "--yes"])
        assert result.exit_code == 0, result.output
        assert "older than the code's" in result.output and "db upgrade" in result.output
        restored = every_row()
        assert restored["alembic_version"] == [("0001",)]
        assert {k: v for k, v in restored.items() if k != "alembic_version"} == {
            k: v for k, v in before.items() if k != "alembic_version"}
    finally:
        set_revision(head)


def test_restore_asks_before_replacing_the_data(runner, ctx, backup):
    path = backup()
    make_user(email="kept@example.org")
    before = every_row()

    declined = runner.invoke(args=["restore", str(path)], input="n\n")
    assert declined.exit_code == 1
    assert "replaces ALL data" in declined.output and "Aborted" in declined.output
    assert every_row() == before

    confirmed = runner.invoke(args=["restore", str(path)], input="y\n")
    assert confirmed.exit_code == 0, confirmed.output
    assert db.session.scalar(select(User).where(User.email == "kept@example.org")) is None


def test_backup_does_not_overwrite_a_file_without_force(runner, ctx, backup):
    path = backup()
    kept = path.read_bytes()
    some_data()

    refused = runner.invoke(args=["backup", str(path)])
    assert refused.exit_code == 1
    assert "exists" in refused.output and "--force" in refused.output
    assert path.read_bytes() == kept

    replaced = runner.invoke(args=["backup", str(path), "--force"])
    assert replaced.exit_code == 0, replaced.output
    assert path.read_bytes() != kept
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no partial file left behind


def test_postgresql_tools_get_the_password_in_the_environment_not_the_command_line():
    url = make_url("postgresql+psycopg://tracker:s3cret@db.example.org:6432/tracker?sslmode=require")
    address, env = libpq_connection(url)
    assert address == "postgresql://tracker@db.example.org:6432/tracker?sslmode=require"
    assert env["PGPASSWORD"] == "s3cret"
