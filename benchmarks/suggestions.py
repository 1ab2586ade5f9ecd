"""Matching against a real database: the incremental refreshes (one Party's needs, one offer) and a whole global
run with its loading and saving, on the demo data.

    python -m benchmarks.suggestions [--runs N]        # SQLite scratch database
    BENCH_DATABASE_URL=postgresql://… python -m benchmarks.suggestions   # empties that database first

Prints one JSON object per operation: median and max seconds over the runs, and the sizes involved.
"""
import argparse
import json
import statistics
import time

from sqlalchemy import func, select

from benchmarks.demo_database import demo_app, scratch_url

from tracker.extensions import db
from tracker.matching import queries, services
from tracker.matching.models import SUGGESTED, Match
from tracker.parties.models import Party


def timed(runs: int, action) -> list[float]:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        db.session.commit()
        timings.append(time.perf_counter() - start)
    return timings


def report(operation: str, timings: list[float], **sizes) -> None:
    print(json.dumps({"operation": operation, "median_seconds": round(statistics.median(timings), 3),
                      "max_seconds": round(max(timings), 3), **sizes}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    url = scratch_url()
    with demo_app(url).app_context():
        run_timings = timed(runs, lambda: services.run_allocation(actor=None))
        run = queries.runs(1)[0]
        report("global run (load, candidates, allocation, save)", run_timings, database=url.split(":")[0],
               needs=run.needs, offers=run.offers, candidates=run.candidates, served=run.served,
               suggestions=db.session.scalar(select(func.count()).select_from(Match).where(Match.status == SUGGESTED)))

        kenya = db.session.scalar(select(Party.id).where(Party.iso3 == "KEN"))
        report("one Party's needs (on submit)", timed(runs, lambda: services.refresh_party_suggestions(kenya)),
               suggestions=db.session.scalar(select(func.count()).select_from(Match).where(Match.party_id == kenya)))
        offer = db.session.scalar(select(Match.offer_id).where(Match.status == SUGGESTED).group_by(Match.offer_id)
                                  .order_by(func.count().desc(), Match.offer_id))
        report("one offer (on save or publish)", timed(runs, lambda: services.refresh_offer_suggestions(offer)),
               suggestions=db.session.scalar(select(func.count()).select_from(Match).where(Match.offer_id == offer)))


if __name__ == "__main__":
    main()
