"""A scratch database with the demo data, for the benchmarks that measure against a database.

SQLite in a temporary folder, or BENCH_DATABASE_URL (PostgreSQL), which is emptied first.
"""
import os
import statistics
import tempfile
import time

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from tracker import create_app
from tracker.accounts.demo import load_demo_accounts
from tracker.assessments.demo import load_demo_assessments
from tracker.assessments.seed import load_declared_questions
from tracker.config import database_url
from tracker.extensions import db
from tracker.framework.seed import load_framework
from tracker.organisations.demo import load_demo_providers
from tracker.parties.seed import load_parties


def scratch_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    if url.startswith("postgres"):
        engine = create_engine(database_url(url))
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    return url


def reference_app(url: str, **config) -> Flask:
    """The app on `url`, migrated and loaded with the reference data (framework, Parties, declared questions)."""
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, **config})
    with app.app_context():
        upgrade()
        load_framework()
        load_parties()
        load_declared_questions()
        db.session.commit()
    return app


def demo_app(url: str, **config) -> Flask:
    """The reference-data app with the demo accounts, assessments, organisations, offers and activities (not the
    demo matches: callers decide)."""
    app = reference_app(url, **config)
    with app.app_context():
        load_demo_accounts()
        load_demo_assessments()
        load_demo_providers()
        db.session.commit()
    return app


def time_page(client, url: str, runs: int, queries: list) -> tuple[float, float, int]:
    """Median and 95th percentile server time of a page in ms over `runs` requests after a warm-up, and the
    queries one request makes (`queries` is filled by a before_cursor_execute listener)."""
    client.get(url)
    timings = []
    for _ in range(runs):
        queries.clear()
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings), statistics.quantiles(timings, n=20)[-1], len(queries)
