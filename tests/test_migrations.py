"""The migrations build the schema the models describe, and take it down again, on both databases."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.conftest import drop_everything
from tracker import create_app
from tracker.config import database_url
from tracker.extensions import db
from tracker.offers.search import include_name


@pytest.fixture
def scratch_url(database_url_for_tests, tmp_path):
    """An empty database of the same kind as the test database."""
    url = make_url(database_url(database_url_for_tests))
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path}/migrations.sqlite"
        return
    name = f"{url.database}_migrations"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    scratch = url.set(database=name).render_as_string(hide_password=False)
    drop_everything(scratch)
    yield scratch


def test_migrations_go_up_and_down_and_match_the_models(scratch_url):
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"goal", "key_area", "party", "user_account", "organisation", "audit_entry"} <= tables
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"include_name": include_name})
            differences = compare_metadata(context, db.metadata)
        assert differences == []

        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}

        upgrade()  # and up again, from nothing
        assert "user_account" in inspect(db.engine).get_table_names()
        db.engine.dispose()
