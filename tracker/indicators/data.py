"""The facts of one cycle for the indicator formulas, read with a handful of aggregate queries (none per Party
or per indicator).

- Parties: to the Protocol, or to the Supplementary Protocol, at the cycle's reference date (a Party whose date
  of becoming a Party is not recorded counts at every date).
- Needs and declared answers: from the Parties' assessments submitted in the cycle.
- Activities: completed ones that ended (or, without an end date, started) by the cycle's closing date, since
  the Action Plan began; undated completed activities count too.
"""
from collections import defaultdict

from sqlalchemy import and_, func, or_, select

from tracker.activities.models import Activity, activity_activity_example, activity_beneficiary, activity_key_area
from tracker.assessments.models import (
    SUBMITTED, Assessment, AssessmentCycle, DeclaredAnswer, DeclaredQuestion, Need,
)
from tracker.extensions import db
from tracker.framework.models import ActivityExample, KeyArea
from tracker.indicators.formulas import MET_LEVELS, ActivityFacts, Facts, PartyFacts
from tracker.indicators.models import SecretariatValue
from tracker.parties.models import Party

COMPLETED = "completed"


def _member(flag, since, on):
    return and_(flag.is_(True), or_(since.is_(None), since <= on))


def load_facts(cycle: AssessmentCycle) -> Facts:
    on = cycle.reference_date
    parties = {
        row.id: PartyFacts(group=row.un_regional_group, ldc=row.ldc, sids=row.sids, cartagena=row.cartagena,
                           supplementary=row.supplementary)
        for row in db.session.execute(select(
            Party.id, Party.un_regional_group, Party.ldc, Party.sids,
            _member(Party.cartagena_party, Party.cartagena_since, on).label("cartagena"),
            _member(Party.supplementary_protocol_party, Party.supplementary_since, on).label("supplementary")))
    }

    needs = defaultdict(set)
    for code, party_id in db.session.execute(
            select(KeyArea.code, Assessment.party_id)
            .join(Need, Need.key_area_id == KeyArea.id).join(Assessment, Assessment.id == Need.assessment_id)
            .where(Assessment.cycle_id == cycle.id, Assessment.status == SUBMITTED, Need.level.in_(MET_LEVELS))):
        needs[code].add(party_id)

    submitted = set(db.session.scalars(select(Assessment.party_id).where(
        Assessment.cycle_id == cycle.id, Assessment.status == SUBMITTED)))

    answers = defaultdict(dict)
    for code, party_id, choice, number in db.session.execute(
            select(DeclaredQuestion.code, Assessment.party_id, DeclaredAnswer.choice, DeclaredAnswer.number)
            .join(DeclaredAnswer, DeclaredAnswer.question_id == DeclaredQuestion.id)
            .join(Assessment, Assessment.id == DeclaredAnswer.assessment_id)
            .where(Assessment.cycle_id == cycle.id, Assessment.status == SUBMITTED)):
        answers[code][party_id] = (choice, number)

    return Facts(parties=parties, needs=dict(needs), activities=_activities(cycle), submitted=submitted,
                 answers=dict(answers), secretariat=dict(db.session.execute(
                     select(SecretariatValue.code, SecretariatValue.value)
                     .where(SecretariatValue.cycle_id == cycle.id)).all()))


def _activities(cycle: AssessmentCycle) -> list[ActivityFacts]:
    # Plain rows through the connection: tens of thousands, no ORM objects wanted.
    execute = db.session.connection().execute
    ended = func.coalesce(Activity.end_date, Activity.start_date)
    done = and_(Activity.status == COMPLETED, or_(ended.is_(None), ended <= cycle.closes_on))
    rows = execute(select(
        Activity.id, Activity.party_id, Activity.party_role, Activity.support_type,
        func.json_array_length(Activity.outputs),
        Activity.participants_women, Activity.participants_men, Activity.participants_other).where(done)).all()
    areas, examples, beneficiaries = defaultdict(set), defaultdict(set), defaultdict(set)
    for activity_id, code in execute(
            select(activity_key_area.c.activity_id, KeyArea.code)
            .join(KeyArea, KeyArea.id == activity_key_area.c.key_area_id)
            .join(Activity, Activity.id == activity_key_area.c.activity_id).where(done)).all():
        areas[activity_id].add(code)
    for activity_id, code in execute(
            select(activity_activity_example.c.activity_id, ActivityExample.code)
            .join(ActivityExample, ActivityExample.id == activity_activity_example.c.activity_example_id)
            .join(Activity, Activity.id == activity_activity_example.c.activity_id).where(done)).all():
        examples[activity_id].add(code)
    for activity_id, party_id in execute(
            select(activity_beneficiary.c.activity_id, activity_beneficiary.c.party_id)
            .join(Activity, Activity.id == activity_beneficiary.c.activity_id).where(done)).all():
        beneficiaries[activity_id].add(party_id)

    facts = []
    empty = frozenset()
    for activity_id, party_id, role, support_type, outputs, women, men, other in rows:
        organised = frozenset((party_id,)) if party_id and role == "organised" else empty
        took_part = {party_id} if party_id and role == "took_part" else empty
        facts.append(ActivityFacts(
            key_areas=frozenset(areas.get(activity_id, empty)), examples=frozenset(examples.get(activity_id, empty)),
            support_type=support_type, organised=organised,
            benefited=frozenset(beneficiaries.get(activity_id, empty) | took_part),
            funded=organised if support_type == "funding" else empty, outputs=outputs or 0,
            participants=(women or 0) + (men or 0) + (other or 0),
        ))
    return facts
