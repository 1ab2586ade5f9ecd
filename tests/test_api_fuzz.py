"""The JSON API fuzzed against its own OpenAPI document with schemathesis: every operation gets a bounded number
of generated requests, valid ones and ones that break the document (negative data), each sent anonymously, with
the token of a Kenyan focal point (a draft assessment in an open cycle, a submitted one before it, a suggested
match) and with the token of a vetted provider (an open and a draft offer, an activity). No answer may be a
server error, and every answer must be one the document describes: a documented status, its content type and its
schema. Derandomized, so a run repeats the last one.

Generated ids rarely name an object, so an operation on one object is also fuzzed on each real object of its
kind, and half of the changes carry the object's current lock_version: changes and workflow steps on real objects
get generated bodies too."""
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance, not_a_server_error, response_headers_conformance, response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import make_organisation, make_user, party
from tests.test_matching import lab_offer
from tests.test_needs_explorer import make_assessment, make_cycle
from tests.test_offers import make_offer
from tracker import create_app
from tracker.accounts.models import PARTY_FOCAL_POINT, PROVIDER
from tracker.activities.models import Activity
from tracker.api.services import create_token
from tracker.assessments.models import DRAFT, Assessment
from tracker.clock import today, utcnow
from tracker.extensions import db
from tracker.indicators.models import IndicatorValue
from tracker.matching.models import Match
from tracker.matching.services import refresh_party_suggestions
from tracker.offers.models import DRAFT as OFFER_DRAFT
from tracker.offers.models import Offer

EXAMPLES_PER_OPERATION = 30
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every operation in the document, read from an app made only for that (no database)."""
    app = create_app({"SECRET_KEY": "operations", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    document = app.test_client().get("/api/v1/openapi.json").json
    return [(method.upper(), path) for path, item in document["paths"].items() for method in item
            if method in ("get", "post", "patch", "put", "delete")]


OPERATIONS = _operations()


@pytest.fixture(scope="session")
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def fuzz_data(app):
    """The callers' tokens and the ids of real objects of each kind. Made, then the app context is left: each
    request of the fuzzer must get its own context, as in production."""
    with app.app_context():
        earlier = make_cycle("Baseline 2024", opens_on=today() - timedelta(days=400))
        current = make_cycle("Mid-term 2026")
        make_assessment("KEN", earlier, {"A.8(1)": {"level": "high", "priority": 1, "support_types": ["training"],
                                                    "languages": ["en"]}})
        draft = make_assessment("KEN", current, {"A.8(1)": "medium", "A.3(1)": ("high", 2)}, status=DRAFT)
        organisation = make_organisation("Fuzz Lab Network", vetted=True)
        offer = lab_offer(organisation)
        make_offer(organisation, title="Draft course", status=OFFER_DRAFT)
        refresh_party_suggestions(party("KEN").id)
        now = utcnow()
        activities = [Activity(party=party("KEN"), party_role="organised", title="Kenyan workshop",
                               status="completed", start_date=now.date(), created_at=now, updated_at=now),
                      Activity(organisation=organisation, title="Delivered course", status="planned", offer=offer,
                               created_at=now, updated_at=now)]
        db.session.add_all(activities)
        db.session.add(IndicatorValue(code="A.8(a)", cycle_id=earlier.id, scope="global", numerator=1,
                                      denominator=4, value=0.25, parties=[party("KEN").id], computed_at=now))
        db.session.commit()
        focal_point = make_user(PARTY_FOCAL_POINT, party_iso3="KEN")
        provider = make_user(PROVIDER, party_iso3=None, organisation=organisation)
        tokens = {"focal point": create_token(focal_point, "fuzz", actor=focal_point)[1],
                  "provider": create_token(provider, "fuzz", actor=provider)[1]}
        db.session.commit()
        ids = {"offer_id": [offer.id], "activity_id": [activity.id for activity in activities],
               "assessment_id": [draft.id], "match_id": list(db.session.scalars(db.select(Match.id))),
               "iso3": ["KEN"]}
        db.session.remove()
    return tokens, ids


VERSIONED = {"offer_id": Offer, "activity_id": Activity, "assessment_id": Assessment, "match_id": Match}


def with_current_version(case, app, ids) -> None:
    """Give half of the changes on real objects (those with an even lock_version) the version the object has
    now: with a generated one nearly every change would be refused as stale (409), and the paths behind that
    refusal would never be fuzzed."""
    body = case.body if isinstance(case.body, dict) else {}
    version = body.get("lock_version")
    if not isinstance(version, int) or isinstance(version, bool) or version % 2:
        return
    for name, model in VERSIONED.items():
        if (case.path_parameters or {}).get(name) in ids.get(name, []):
            with app.app_context():
                found = db.session.get(model, case.path_parameters[name])
                if found is not None:
                    body["lock_version"] = found.lock_version
                db.session.remove()


def cases(operation, ids):
    """Generated requests, valid and not; for an operation on one object, also valid ones on each real object of
    its kind."""
    generated = st.one_of(operation.as_strategy(), operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    names = [parameter.name for parameter in operation.path_parameters]
    on_real_objects = [operation.as_strategy(path_parameters={name: value})
                       for name in names for value in ids.get(name, [])]
    return st.one_of(generated, *on_real_objects) if on_real_objects else generated


@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{method} {path}" for method, path in OPERATIONS])
def test_every_answer_is_documented_and_none_is_a_server_error(app, api_schema, fuzz_data, method, path):
    tokens, ids = fuzz_data
    headers = [None] + [{"Authorization": f"Bearer {secret}"} for secret in tokens.values()]

    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=cases(api_schema[path][method], ids))
    def answers_as_documented(case):
        for caller in headers:
            with_current_version(case, app, ids)
            case.call_and_validate(headers=caller, checks=CHECKS)

    answers_as_documented()
