"""The matching engine's inputs, loaded from the database in a few queries and turned into arrays.

Needs come from each Party's latest submitted assessment (levels low, medium, high). Offers are those open
today with capacity left: capacity minus the Parties already served (beneficiaries of the offer's activities
that were not cancelled) or holding an agreed match on it.
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import numpy as np
from flask import current_app
from sqlalchemy import select

from tracker.activities.models import Activity, activity_beneficiary
from tracker.assessments.models import SUBMITTED, Assessment, AssessmentCycle, Need
from tracker.extensions import db
from tracker.framework.models import ActivityExample, KeyArea
from tracker.matching import engine
from tracker.matching.models import COMMITTED, SUGGESTED, Match
from tracker.offers.models import Offer, offer_activity_example, offer_eligible_party, offer_key_area
from tracker.offers.search import is_open
from tracker.parties.models import REGIONAL_GROUPS, Party
from tracker.vocabularies import AUDIENCES, LANGUAGES, SUPPORT_TYPES

LEVEL_WEIGHTS = {"low": 1, "medium": 2, "high": 3}
# Priority 1 is the highest; a need without a priority counts as the middle one.
PRIORITY_WEIGHTS = {1: 3, 2: 2, 3: 1, None: 2}
MODALITY_CODES = {"in_person": engine.IN_PERSON, "online": engine.ONLINE, "hybrid": engine.HYBRID}
CANCELLED = "cancelled"


def weights() -> engine.Weights:
    """The score's weights and the allocation's settings from the configuration."""
    config = current_app.config
    fairness = config["MATCH_FAIRNESS"]
    return engine.Weights(
        support_type=config["MATCH_WEIGHT_SUPPORT_TYPE"],
        audience=config["MATCH_WEIGHT_AUDIENCE"],
        modality=config["MATCH_WEIGHT_MODALITY"],
        examples=config["MATCH_WEIGHT_EXAMPLES"],
        language=config["MATCH_WEIGHT_LANGUAGE"],
        fairness=engine.Weights.fairness if fairness is None else fairness,
        max_candidates=config["MATCH_MAX_CANDIDATES"],
    )


def mask(codes, order) -> int:
    """A bit mask of the codes, bit i standing for the i-th code of `order`."""
    positions = {code: i for i, code in enumerate(order)}
    value = 0
    for code in codes or ():
        if code in positions:
            value |= 1 << positions[code]
    return value


@dataclass
class Loaded:
    """An engine instance and the database ids behind its indexes."""

    instance: engine.Instance
    party_ids: np.ndarray
    need_ids: np.ndarray
    need_party_ids: np.ndarray
    need_area_ids: np.ndarray
    offer_ids: np.ndarray


def latest_submitted_assessments(party_id: int | None = None) -> dict[int, int]:
    """Party id → id of its submitted assessment in the latest cycle it submitted for."""
    query = (select(Assessment.id, Assessment.party_id)
             .join(AssessmentCycle, AssessmentCycle.id == Assessment.cycle_id)
             .where(Assessment.status == SUBMITTED)
             .order_by(AssessmentCycle.opens_on, AssessmentCycle.id))
    if party_id is not None:
        query = query.where(Assessment.party_id == party_id)
    return {party: assessment for assessment, party in db.session.execute(query)}


def committed_parties(offer_ids=None) -> dict[int, set[int]]:
    """Offer id → the Parties it has served or holds an agreed match for."""
    served = (select(Activity.offer_id, activity_beneficiary.c.party_id)
              .join(activity_beneficiary, activity_beneficiary.c.activity_id == Activity.id)
              .where(Activity.offer_id.is_not(None), Activity.status != CANCELLED))
    agreed = select(Match.offer_id, Match.party_id).where(Match.status.in_(COMMITTED))
    if offer_ids is not None:
        served = served.where(Activity.offer_id.in_(offer_ids))
        agreed = agreed.where(Match.offer_id.in_(offer_ids))
    parties = defaultdict(set)
    for query in (served, agreed):
        for offer_id, party_id in db.session.execute(query):
            parties[offer_id].add(party_id)
    return parties


def load(today: date, *, party_id: int | None = None, offer_id: int | None = None) -> Loaded:
    """Every Party, the needs (of one Party only, if given) and the open offers (only one, if given)."""
    parties = db.session.execute(
        select(Party.id, Party.un_regional_group, Party.ldc, Party.sids, Party.economy,
               Party.supplementary_protocol_party)
        .where(Party.cartagena_party.is_(True)).order_by(Party.id)).all()
    party_index = {row.id: i for i, row in enumerate(parties)}
    groups = {group: i for i, group in enumerate(REGIONAL_GROUPS)}
    party_arrays = engine.Parties(
        group=np.array([groups.get(row.un_regional_group, -1) for row in parties], dtype=np.int8),
        ldc=np.array([row.ldc for row in parties], dtype=bool),
        sids=np.array([row.sids for row in parties], dtype=bool),
        developing=np.array([row.economy != "developed" for row in parties], dtype=bool),
        supplementary=np.array([row.supplementary_protocol_party for row in parties], dtype=bool),
    )

    areas = db.session.execute(select(KeyArea.id, KeyArea.goal_id).order_by(KeyArea.position)).all()
    area_index = {row.id: i for i, row in enumerate(areas)}
    goal_index = {goal: i for i, goal in enumerate(sorted({row.goal_id for row in areas}))}
    area_goal = {row.id: goal_index[row.goal_id] for row in areas}

    assessments = latest_submitted_assessments(party_id)
    need_rows = db.session.execute(
        select(Need.id, Need.key_area_id, Need.level, Need.priority, Need.audiences, Need.support_types,
               Need.modality, Need.languages, Need.wanted_by, Assessment.party_id)
        .join(Assessment, Assessment.id == Need.assessment_id)
        .where(Need.assessment_id.in_(list(assessments.values())), Need.level.in_(list(LEVEL_WEIGHTS)))
        .order_by(Need.id)).all() if assessments else []
    need_rows = [row for row in need_rows if row.party_id in party_index]
    needs = engine.Needs(
        party=np.array([party_index[row.party_id] for row in need_rows], dtype=np.int32),
        area=np.array([area_index[row.key_area_id] for row in need_rows], dtype=np.int32),
        goal=np.array([area_goal[row.key_area_id] for row in need_rows], dtype=np.int32),
        weight=np.array([LEVEL_WEIGHTS[row.level] * PRIORITY_WEIGHTS.get(row.priority, 2) for row in need_rows],
                        dtype=np.float64),
        support=np.array([mask(row.support_types, SUPPORT_TYPES) for row in need_rows], dtype=np.int64),
        audience=np.array([mask(row.audiences, AUDIENCES) for row in need_rows], dtype=np.int64),
        modality=np.array([MODALITY_CODES.get(row.modality, -1) for row in need_rows], dtype=np.int8),
        languages=np.array([mask(row.languages, LANGUAGES) for row in need_rows], dtype=np.int64),
        wanted_by=np.array([row.wanted_by.toordinal() if row.wanted_by else engine.NO_DATE_MAX
                            for row in need_rows], dtype=np.int32),
    )

    offer_query = select(Offer).where(is_open(today)).order_by(Offer.id)
    if offer_id is not None:
        offer_query = offer_query.where(Offer.id == offer_id)
    offers = list(db.session.scalars(offer_query))
    offer_ids = [offer.id for offer in offers]
    used = committed_parties(offer_ids if offer_id is not None else None)
    offers = [offer for offer in offers if offer.capacity > len(used.get(offer.id, ()))]
    offer_ids = [offer.id for offer in offers]
    offer_areas, offer_goals, listed = defaultdict(int), defaultdict(int), []
    if offer_ids:
        for oid, area_id in db.session.execute(
                select(offer_key_area.c.offer_id, offer_key_area.c.key_area_id)
                .where(offer_key_area.c.offer_id.in_(offer_ids))):
            offer_areas[oid] |= 1 << area_index[area_id]
        for oid, goal_id in db.session.execute(
                select(offer_activity_example.c.offer_id, ActivityExample.goal_id)
                .join(ActivityExample, ActivityExample.id == offer_activity_example.c.activity_example_id)
                .where(offer_activity_example.c.offer_id.in_(offer_ids))):
            if goal_id in goal_index:
                offer_goals[oid] |= 1 << goal_index[goal_id]
        offer_position = {oid: i for i, oid in enumerate(offer_ids)}
        listed = [(offer_position[oid], party_index[pid]) for oid, pid in db.session.execute(
            select(offer_eligible_party.c.offer_id, offer_eligible_party.c.party_id)
            .where(offer_eligible_party.c.offer_id.in_(offer_ids))) if pid in party_index]
    offer_arrays = engine.Offers(
        areas=np.array([offer_areas[o.id] for o in offers], dtype=np.uint64),
        goals=np.array([offer_goals[o.id] for o in offers], dtype=np.uint64),
        support=np.array([mask(o.support_types, SUPPORT_TYPES) for o in offers], dtype=np.int64),
        audience=np.array([mask(o.audiences, AUDIENCES) for o in offers], dtype=np.int64),
        modality=np.array([MODALITY_CODES.get(o.modality, -1) for o in offers], dtype=np.int8),
        languages=np.array([mask(o.languages, LANGUAGES) for o in offers], dtype=np.int64),
        eligible_all=np.array([o.eligible_all for o in offers], dtype=bool),
        eligible_groups=np.array([mask(o.eligible_groups, REGIONAL_GROUPS) for o in offers], dtype=np.int64),
        eligible_ldc=np.array([o.eligible_ldc for o in offers], dtype=bool),
        eligible_sids=np.array([o.eligible_sids for o in offers], dtype=bool),
        eligible_developing=np.array([o.eligible_developing for o in offers], dtype=bool),
        eligible_supplementary=np.array([o.eligible_supplementary for o in offers], dtype=bool),
        opens_on=np.array([o.opens_on.toordinal() if o.opens_on else engine.NO_DATE_MIN for o in offers],
                          dtype=np.int32),
        closes_on=np.array([o.closes_on.toordinal() if o.closes_on else engine.NO_DATE_MAX for o in offers],
                           dtype=np.int32),
        capacity=np.array([o.capacity - len(used.get(o.id, ())) for o in offers], dtype=np.int32),
    )

    # Pairs that left the suggestions (proposed, agreed, declined, withdrawn ...) are never suggested again.
    offer_position = {oid: i for i, oid in enumerate(offer_ids)}
    excluded = [(party_index[p], area_index[a], offer_position[o]) for p, a, o in db.session.execute(
        select(Match.party_id, Match.key_area_id, Match.offer_id).where(Match.status != SUGGESTED))
        if p in party_index and o in offer_position]

    instance = engine.Instance(
        parties=party_arrays, needs=needs, offers=offer_arrays, today=today.toordinal(),
        listed=np.array(listed, dtype=np.int32).reshape(-1, 2),
        declined=np.array(excluded, dtype=np.int32).reshape(-1, 3),
    )
    return Loaded(
        instance=instance,
        party_ids=np.array([row.id for row in parties], dtype=np.int64),
        need_ids=np.array([row.id for row in need_rows], dtype=np.int64),
        need_party_ids=np.array([row.party_id for row in need_rows], dtype=np.int64),
        need_area_ids=np.array([row.key_area_id for row in need_rows], dtype=np.int64),
        offer_ids=np.array(offer_ids, dtype=np.int64),
    )
