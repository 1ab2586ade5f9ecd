"""Indicators on the large data: the time to compute every indicator × every scope for one cycle.

    python -m benchmarks.indicators [--runs 5]          # SQLite scratch database
    BENCH_DATABASE_URL=postgresql://… python -m benchmarks.indicators   # empties that database first

Prints one JSON object per cycle: the median seconds to read the cycle's facts, to evaluate every rule for every
scope, and to store the values, with the number of queries, and the data sizes.
"""
import argparse
import gc
import json
import statistics
import time

from sqlalchemy import event, select

from benchmarks.demo_database import reference_app, scratch_url, time_page
from benchmarks.large_data import build
from tracker.accounts.models import ACTIVE, SECRETARIAT, User
from tracker.assessments.models import AssessmentCycle
from tracker.clock import utcnow
from tracker.extensions import db
from tracker.indicators.data import load_facts
from tracker.indicators.formulas import evaluate, scopes
from tracker.indicators.rules import rules
from tracker.indicators.services import compute_cycle
from tracker.parties.models import REGIONAL_GROUPS


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    url = scratch_url()
    app = reference_app(url, WTF_CSRF_ENABLED=False)
    with app.app_context():
        started = time.perf_counter()
        sizes = build()
        print(json.dumps({"built": sizes, "seconds": round(time.perf_counter() - started, 1),
                          "database": url.split(":")[0]}))
        queries = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: queries.append(1))
        for cycle in db.session.scalars(select(AssessmentCycle).order_by(AssessmentCycle.opens_on)).all():
            facts_s, evaluate_s, total_s, fact_queries = [], [], [], 0
            for _ in range(runs):
                queries.clear()
                start = time.perf_counter()
                facts = load_facts(cycle)
                facts_s.append(time.perf_counter() - start)
                fact_queries = len(queries)
                start = time.perf_counter()
                for rule in rules().values():
                    for scope in scopes(REGIONAL_GROUPS):
                        evaluate(facts, rule, scope)
                evaluate_s.append(time.perf_counter() - start)
                start = time.perf_counter()
                count = compute_cycle(cycle)
                db.session.commit()
                total_s.append(time.perf_counter() - start)
            print(json.dumps({
                "cycle": cycle.name, "values": count, "activities_in_cycle": len(facts.activities),
                "read_facts_s": round(statistics.median(facts_s), 3), "fact_queries": fact_queries,
                "evaluate_s": round(statistics.median(evaluate_s), 3),
                "compute_and_store_s": round(statistics.median(total_s), 3), "runs": runs}))
    pages(app, max(runs * 4, 20))


def pages(app, runs: int) -> None:
    """Each dashboard's server time and query count, as the Secretariat and as anyone."""
    with app.app_context():
        user = User(email="bench-secretariat@example.org", name="Bench", role=SECRETARIAT, status=ACTIVE,
                    created_at=utcnow())
        user.set_password("bench-password")
        db.session.add(user)
        db.session.commit()
        queries = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: queries.append(1))
    gc.collect()
    gc.freeze()  # as wsgi.py does after start-up: the data built above is not the pages' garbage
    secretariat, anyone = app.test_client(), app.test_client()
    secretariat.post("/login", data={"email": "bench-secretariat@example.org", "password": "bench-password"})
    for client, url in ((secretariat, "/dashboard"), (anyone, "/dashboard/public"), (anyone, "/indicators"),
                        (anyone, "/indicators/A.1(a)"), (anyone, "/gaps"), (anyone, "/reports/evaluation")):
        median, p95, count = time_page(client, url, runs, queries)
        print(json.dumps({"page": url, "median_ms": round(median, 1), "p95_ms": round(p95, 1), "queries": count}))
    # The PDF is a download made on demand: a few runs per language are enough.
    for language in ("en", "zh"):
        anyone.post("/language", data={"language": language})
        median, p95, count = time_page(anyone, "/reports/evaluation.pdf", 5, queries)
        print(json.dumps({"page": f"/reports/evaluation.pdf ({language})", "median_ms": round(median, 1),
                          "p95_ms": round(p95, 1), "queries": count}))


if __name__ == "__main__":
    main()
