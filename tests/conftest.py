"""Fixtures: one migrated, seeded database per test run (SQLite, or PostgreSQL via TEST_DATABASE_URL);
each test starts with no accounts, organisations, audit entries or mail."""
import os
import re
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, inspect, text
from werkzeug.serving import make_server

from tracker import create_app
from tracker.accounts.models import ACTIVE, PARTY_EDITOR, User
from tracker.clock import utcnow
from tracker.config import database_url
from tracker.extensions import db
from tracker.framework.seed import load_framework
from tracker.organisations.models import Organisation
from tracker.parties.models import Party
from tracker.parties.seed import load_parties
from tracker.assessments.seed import load_declared_questions

PASSWORD = "correct horse battery"
# A <script> element without src: the Content-Security-Policy would block it, so no page may have one.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>")
REFERENCE_TABLES = {"goal", "objective", "plan_indicator", "key_area", "activity_example", "cb_indicator",
                    "party", "declared_question", "alembic_version"}


def pytest_report_header(config):
    return f"database: {_redact(os.environ.get('TEST_DATABASE_URL') or 'sqlite (temporary file)')}"


def _redact(url: str) -> str:
    return re.sub(r"//([^:@/]+):[^@/]*@", r"//\1:***@", url)


def drop_everything(url: str) -> None:
    engine = create_engine(database_url(url))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        else:
            for table in inspect(connection).get_table_names():
                # IF EXISTS: dropping the FTS5 table takes its shadow tables with it.
                connection.execute(text(f'DROP TABLE IF EXISTS "{table}"'))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url_for_tests(tmp_path_factory):
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


class IsolatedClient(FlaskClient):
    """Each request gets its own application context (its own `g` and database session), as in
    production, even while the test holds one open to look at the database."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url_for_tests):
    drop_everything(database_url_for_tests)
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url_for_tests,
        "SERVER_NAME": "tracker.test",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast; production keeps scrypt
    })
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
        load_framework()
        load_parties()
        load_declared_questions()
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_user_data(request):
    """Delete everything but the reference data after each test that used the database."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                if table.name not in REFERENCE_TABLES:
                    connection.execute(table.delete())


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app, ctx):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- factories ---------------------------------------------------------------------------------

def party(iso3: str) -> Party:
    return db.session.scalar(db.select(Party).where(Party.iso3 == iso3))


def make_organisation(name="Test Organisation", type="university", vetted=True, **fields) -> Organisation:
    organisation = Organisation(name=name, type=type, vetted=vetted, created_at=utcnow(), **fields)
    db.session.add(organisation)
    db.session.commit()
    return organisation


def make_user(role=PARTY_EDITOR, *, party_iso3="KEN", organisation=None, status=ACTIVE, email=None,
              password=PASSWORD, locale="en") -> User:
    user = User(
        email=email or f"{role}.{party_iso3 or 'x'}.{os.urandom(3).hex()}@example.org".lower(),
        name=f"Test {role}", role=role, status=status, locale=locale, created_at=utcnow(),
        party=party(party_iso3) if party_iso3 and role.startswith("party") else None,
        organisation=organisation,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


@contextmanager
def counting_queries():
    """The SQL statements run inside the block (for tests that a page's query count does not grow)."""
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def csrf_token(client, url="/") -> str:
    """The CSRF token of the client's session, as a page hands it to the browser."""
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def post(client, url, data=None, **kwargs):
    """POST a form the way a browser does: with the page's CSRF token."""
    return client.post(url, data={"csrf_token": csrf_token(client), **(data or {})}, **kwargs)


def login(client, user, password=PASSWORD):
    response = post(client, "/login", {"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


# --- the browser (Debian chromium through Playwright) -------------------------------------------
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is required for the browser tests when CI=true (apt-get install chromium)")
        pytest.skip("chromium not found: install Debian's chromium package to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()


@pytest.fixture
def live_url(app, database_url_for_tests):
    """The app served over HTTP on a free loopback port, on the test database."""
    served = create_app({"SECRET_KEY": "browser-test", "SQLALCHEMY_DATABASE_URI": database_url_for_tests})
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    with served.app_context():
        db.engine.dispose()


def shot(page, name, full_page=True):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)
