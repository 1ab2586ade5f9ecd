"""Server time of the public and administrative pages, and queries per page.

    python -m benchmarks.pages [--runs 50]

Uses a scratch SQLite database (or BENCH_DATABASE_URL, which it empties), seeded with the framework,
the Parties and the demo data (2 cycles, ~240 assessments with ~9k needs, ~560 activities, 42
organisations, 120 offers). Prints
median and 95th percentile per page, in milliseconds, and the queries each page makes.
"""
import argparse
import gc

from sqlalchemy import event

from benchmarks.demo_database import demo_app, scratch_url, time_page

from tracker.accounts.demo import DEMO_ORGANISATION, demo_password
from tracker.accounts.models import User
from tracker.assessments.models import Assessment, AssessmentCycle
from tracker.assessments.services import start_assessment
from tracker.extensions import db
from tracker.matching.demo import load_demo_matches
from tracker.matching.models import Match
from tracker.offers.models import Offer
from tracker.organisations.models import Organisation
from tracker.parties.models import Party

PAGES = ["/", "/framework", "/framework/A.8", "/framework/key-areas/A.8(3)", "/parties",
         "/parties?status=all", "/parties/KEN", "/login", "/register/party", "/offers", "/offers?q=detection",
         "/offers?q=检测&goal=A.8", "/offers?sort=closing&page=2"]
SECRETARIAT_PAGES = ["/admin/users", "/admin/organisations", "/admin/audit", "/admin/outbox", "/cycles",
                     "/cycles/{cycle}", "/cycles/{cycle}?group=african", "/assessments/{submitted}",
                     "/assessments/{submitted}/versions", "/activities", "/needs", "/needs?group=african&level=high",
                     "/needs/heatmap", "/my-offers", "/matches", "/matches?status=suggested&page=3",
                     "/matching/runs"]
PARTY_PAGES = ["/", "/assessments", "/assessments/{draft}", "/activities", "/matches", "/matches/{match}"]
PROVIDER_PAGES = ["/matches", "/matches/{provider_match}"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    runs = parser.parse_args().runs
    url = scratch_url()
    app = demo_app(url, WTF_CSRF_ENABLED=False)
    queries = []
    with app.app_context():
        load_demo_matches()
        db.session.commit()
        cycle = db.session.scalar(db.select(AssessmentCycle).where(AssessmentCycle.baseline.is_(False)))
        ids = {
            "cycle": cycle.id,
            "submitted": db.session.scalar(db.select(Assessment.id).where(Assessment.cycle_id == cycle.id,
                                                                          Assessment.status == "submitted")),
        }
        # The Kenyan editor's own draft in the open cycle.
        kenya = db.session.scalar(db.select(Party).where(Party.iso3 == "KEN"))
        ids["draft"] = start_assessment(kenya, cycle, actor=db.session.scalar(
            db.select(User).where(User.email == "editor.ken@example.org"))).id
        # A match both demo accounts may open: the closed one between Kenya and the demo provider, if any.
        ids["match"] = db.session.scalar(db.select(Match.id).where(Match.party_id == kenya.id)
                                         .order_by(Match.status == "closed", Match.id.desc()))
        # One the demo provider may open: a Party's proposal to its organisation.
        ids["provider_match"] = db.session.scalar(
            db.select(Match.id).join(Offer, Offer.id == Match.offer_id).join(Organisation)
            .where(Organisation.name == DEMO_ORGANISATION, Match.status == "proposed").order_by(Match.id))
        db.session.commit()
        event.listen(db.engine, "before_cursor_execute", lambda *args: queries.append(1))
    gc.collect()
    gc.freeze()  # as wsgi.py does after start-up: the seeding's objects are not the pages' garbage

    print(f"{'page':40} {'median ms':>10} {'p95 ms':>8} {'queries':>8}   ({runs} runs each, {url.split(':')[0]})")
    measure(app.test_client(), PAGES, runs, queries, ids)
    for email, pages in (("secretariat@example.org", SECRETARIAT_PAGES), ("editor.ken@example.org", PARTY_PAGES),
                         ("provider@example.org", PROVIDER_PAGES)):
        client = app.test_client()
        client.post("/login", data={"email": email, "password": demo_password()})
        print(f"-- as {email}")
        measure(client, pages, runs, queries, ids)


def measure(client, pages, runs, queries, ids) -> None:
    for page in (page.format(**ids) for page in pages):
        median, p95, count = time_page(client, page, runs, queries)
        print(f"{page:40} {median:10.1f} {p95:8.1f} {count:8d}")


if __name__ == "__main__":
    main()
