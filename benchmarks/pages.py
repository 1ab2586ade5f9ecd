"""Server time of the public and administrative pages, and queries per page.

    python -m benchmarks.pages [--runs 50]

Uses a scratch SQLite database (or BENCH_DATABASE_URL), seeded with the framework, the Parties and
the demo accounts. Prints median and 95th percentile per page, in milliseconds.
"""
import argparse
import os
import statistics
import tempfile
import time

from flask_migrate import upgrade
from sqlalchemy import event

from tracker import create_app
from tracker.accounts.demo import demo_password, load_demo_accounts
from tracker.extensions import db
from tracker.framework.seed import load_framework
from tracker.parties.seed import load_parties

PAGES = ["/", "/framework", "/framework/A.8", "/framework/key-areas/A.8(3)", "/parties",
         "/parties?status=all", "/parties/KEN", "/login", "/register/party"]
SECRETARIAT_PAGES = ["/admin/users", "/admin/organisations", "/admin/audit", "/admin/outbox"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    runs = parser.parse_args().runs
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
    queries = []
    with app.app_context():
        upgrade()
        load_framework()
        load_parties()
        load_demo_accounts()
        db.session.commit()
        event.listen(db.engine, "before_cursor_execute", lambda *args: queries.append(1))

    client = app.test_client()
    print(f"{'page':40} {'median ms':>10} {'p95 ms':>8} {'queries':>8}   ({runs} runs each, {url.split(':')[0]})")
    measure(client, PAGES, runs, queries)
    client.post("/login", data={"email": "secretariat@example.org", "password": demo_password()})
    measure(client, SECRETARIAT_PAGES, runs, queries)


def measure(client, pages, runs, queries) -> None:
    for page in pages:
        client.get(page)  # warm up
        timings = []
        for _ in range(runs):
            queries.clear()
            start = time.perf_counter()
            response = client.get(page)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (page, response.status_code)
        p95 = statistics.quantiles(timings, n=20)[-1]
        print(f"{page:40} {statistics.median(timings):10.1f} {p95:8.1f} {len(queries):8d}")


if __name__ == "__main__":
    main()
