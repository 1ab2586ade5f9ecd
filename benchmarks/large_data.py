"""Large synthetic data for the benchmarks: every Party, three submitted assessment cycles (~10k needs, with
declared answers), ~5k offers and ~50k activities, written in bulk. Seeded, so every run builds the same data.
"""
import random
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select

from tracker.activities.models import Activity, activity_activity_example, activity_beneficiary, activity_key_area
from tracker.assessments.models import Assessment, AssessmentCycle, DeclaredAnswer, DeclaredQuestion, Need
from tracker.extensions import db
from tracker.framework.models import ActivityExample, KeyArea
from tracker.offers.models import Offer, offer_key_area
from tracker.organisations.models import Organisation
from tracker.parties.models import Party
from tracker.vocabularies import SUPPORT_TYPES

CYCLES = (("Baseline 2022", date(2022, 3, 1), True), ("Review 2024", date(2024, 3, 1), False),
          ("Mid-term 2026", date(2026, 3, 1), False))
NEEDS_PER_ASSESSMENT = 20
ORGANISATIONS = 250
OFFERS = 5_000
ACTIVITIES = 50_000


def build(seed: int = 11) -> dict[str, int]:
    """Add the data to an empty (migrated, seeded) database; returns the row counts."""
    rng = random.Random(seed)
    now = datetime(2026, 11, 1)
    parties = list(db.session.scalars(select(Party.id).where(Party.cartagena_party.is_(True))))
    areas = list(db.session.execute(select(KeyArea.id, KeyArea.goal_id)))
    examples = list(db.session.execute(select(ActivityExample.id, ActivityExample.goal_id)))
    questions = list(db.session.execute(select(DeclaredQuestion.id, DeclaredQuestion.kind)))
    supports = list(SUPPORT_TYPES)

    counts = {"needs": 0, "answers": 0}
    for name, opens_on, baseline in CYCLES:
        cycle = AssessmentCycle(name=name, opens_on=opens_on, closes_on=opens_on + timedelta(days=120),
                                reference_date=opens_on, baseline=baseline, created_at=now)
        db.session.add(cycle)
        db.session.flush()
        first_id = (db.session.scalar(select(db.func.max(Assessment.id))) or 0) + 1
        db.session.execute(insert(Assessment), [{
            "id": first_id + i, "party_id": party_id, "cycle_id": cycle.id, "status": "submitted", "version": 1,
            "visibility": rng.choice(("secretariat", "providers", "providers", "public")), "created_at": now,
            "updated_at": now, "submitted_at": datetime.combine(opens_on, datetime.min.time())
            + timedelta(days=rng.randrange(120)), "lock_version": 1,
        } for i, party_id in enumerate(parties)])
        needs, answers = [], []
        for i in range(len(parties)):
            for area_id, __ in rng.sample(areas, NEEDS_PER_ASSESSMENT):
                needs.append({"assessment_id": first_id + i, "key_area_id": area_id,
                              "level": rng.choice(("none", "low", "medium", "high")), "priority": rng.randint(1, 3),
                              "audiences": [], "support_types": rng.sample(supports, 2), "languages": ["en"],
                              "comment": ""})
            for question_id, kind in questions:
                answers.append({"assessment_id": first_id + i, "question_id": question_id,
                                "choice": rng.choice(("yes", "partly", "no")) if kind == "choice" else None,
                                "number": rng.randint(0, 40) if kind == "number" else None, "evidence_url": ""})
        db.session.execute(insert(Need), needs)
        db.session.execute(insert(DeclaredAnswer), answers)
        counts["needs"] += len(needs)
        counts["answers"] += len(answers)

    db.session.execute(insert(Organisation), [{
        "id": 100_000 + i, "name": f"Benchmark organisation {i}", "type": "university", "website": "",
        "description": "", "contact_email": "", "vetted": True, "created_at": now} for i in range(ORGANISATIONS)])
    db.session.execute(insert(Offer), [{
        "id": 100_000 + i, "organisation_id": 100_000 + rng.randrange(ORGANISATIONS), "title": f"Offer {i}",
        "description": "", "support_types": rng.sample(supports, 2), "audiences": [], "languages": ["en"],
        "eligible_all": True, "eligible_groups": [], "eligible_ldc": False, "eligible_sids": False,
        "eligible_developing": False, "eligible_supplementary": False, "capacity": rng.randint(1, 10),
        "budget_currency": "", "contact_email": "", "status": "open", "search_text": f"offer {i}",
        "created_at": now, "updated_at": now, "lock_version": 1} for i in range(OFFERS)])
    db.session.execute(insert(offer_key_area), [
        {"offer_id": 100_000 + i, "key_area_id": area_id}
        for i in range(OFFERS) for area_id, __ in rng.sample(areas, rng.randint(1, 3))])

    activities, links, example_links, beneficiaries = [], [], [], []
    for i in range(ACTIVITIES):
        activity_id = 1_000_000 + i
        by_party = rng.random() < 0.5
        start = date(2021, 1, 1) + timedelta(days=rng.randrange(2100))
        activities.append({
            "id": activity_id, "party_id": rng.choice(parties) if by_party else None,
            "organisation_id": None if by_party else 100_000 + rng.randrange(ORGANISATIONS),
            "party_role": rng.choice(("organised", "took_part")) if by_party else None, "title": f"Activity {i}",
            "description": "", "status": rng.choice(("completed", "completed", "completed", "ongoing", "planned")),
            "start_date": start, "end_date": start + timedelta(days=rng.randint(1, 30)),
            "support_type": rng.choice(supports), "languages": ["en"], "participants_women": rng.randint(0, 30),
            "participants_men": rng.randint(0, 30), "outputs": [{"title": "Report", "url": ""}] * rng.randint(0, 2),
            "funding_currency": "", "funding_source": "", "results": "", "created_at": now, "updated_at": now,
            "lock_version": 1})
        area_id, goal_id = rng.choice(areas)
        links.append({"activity_id": activity_id, "key_area_id": area_id})
        goal_examples = [example for example, goal in examples if goal == goal_id]
        if goal_examples and rng.random() < 0.5:
            example_links.append({"activity_id": activity_id, "activity_example_id": rng.choice(goal_examples)})
        if not by_party:
            for party_id in rng.sample(parties, rng.randint(1, 3)):
                beneficiaries.append({"activity_id": activity_id, "party_id": party_id})
    for table, rows in ((Activity, activities), (activity_key_area, links),
                        (activity_activity_example, example_links), (activity_beneficiary, beneficiaries)):
        for start in range(0, len(rows), 10_000):
            db.session.execute(insert(table), rows[start:start + 10_000])
    db.session.commit()
    return {"parties": len(parties), "cycles": len(CYCLES), **counts, "offers": OFFERS, "activities": ACTIVITIES,
            "beneficiary_links": len(beneficiaries)}
