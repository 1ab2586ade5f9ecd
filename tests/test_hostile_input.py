"""Hostile input, as a user or a forger would send it, through the real pages.

1. Script typed into any text field is shown as text on every page that shows the field (SHOWN_ON below).
2. Every POST address outside the token-authenticated API refuses a missing or wrong CSRF token, and nothing
   changes (the walk over the URL map fails when a POST route has no case here).
3. SQL-looking strings are data: searched for, stored and shown back verbatim; the tables stay.
4. Bodies over MAX_CONTENT_LENGTH get 413 with the tracker's message; a workbook over the upload limit a
   message on the form; nothing changes.
5. Bytes that are not UTF-8, huge or non-numbers, impossible or out-of-range dates and unknown choices get a
   4xx or the form again with a message next to the field (in the user's language), never a server error,
   and nothing is saved.
6. Every download (web and command line) keeps text that a spreadsheet would run as a formula inert.
"""
import csv
import io
import json
import re
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from markupsafe import escape
from openpyxl import load_workbook
from sqlalchemy import inspect
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import (
    PASSWORD, REFERENCE_TABLES, csrf_token, login, make_organisation, make_user, party, post,
)
from tests.test_assessment_xlsx import (
    apply_preview, as_bytes, download, open_workbook, preview_changes, set_need, upload,
)
from tests.test_needs_explorer import make_assessment
from tests.test_offers import make_offer
from tracker.accounts.models import PARTY_EDITOR, PARTY_FOCAL_POINT, PENDING, PROVIDER, SECRETARIAT, User
from tracker.accounts.services import password_reset_token
from tracker.activities.models import Activity
from tracker.api.services import create_token
from tracker.assessments import services as assessment_services
from tracker.assessments.content import assessment_content
from tracker.assessments.models import Assessment, AssessmentCycle, DeclaredQuestion, PendingUpload
from tracker.audit.models import AuditEntry
from tracker.clock import today, utcnow
from tracker.extensions import db
from tracker.framework.models import KeyArea
from tracker.indicators import entries
from tracker.indicators.rules import rules
from tracker.mail.models import OutboxMessage
from tracker.matching import services as matching_services
from tracker.matching.models import Match
from tracker.notifications.services import notify
from tracker.offers.models import DRAFT, Offer
from tracker.organisations.models import Organisation

UNSAFE = ("<script>alert(", "<img src=x")  # what a page would hold if it let a payload through unescaped
HUGE = str(10 ** 30)
ENORMOUS = "9" * 5000  # more digits than Python turns into an int by default


def payload(tag: str) -> str:
    """Script in a text, tagged so that a page's escaped copy says which field it came from."""
    return f'<script>alert("{tag}")</script><img src=x onerror=alert(1)>"\'&'


def link_payload(tag: str) -> str:
    """Script in a link without spaces, so that it passes as an http(s) address."""
    return f'https://example.org/?"><script>alert("{tag}")</script>'


def escaped(tag: str) -> str:
    return f"&lt;script&gt;alert(&#34;{tag}&#34;)"


def as_user(app, user):
    client = app.test_client()
    login(client, user)
    return client


def audit_count() -> int:
    return db.session.scalar(db.select(db.func.count(AuditEntry.id)))


def count(model):
    """A function counting the rows of the model."""
    return lambda: db.session.scalar(db.select(db.func.count(model.id)))


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def only(model):
    db.session.expire_all()
    (row,) = db.session.scalars(db.select(model).order_by(model.id.desc()).limit(1))
    return row


def open_cycle(name="Cycle 2026", days_left=30, opened=10) -> AssessmentCycle:
    opens_on = today() - timedelta(days=opened)
    cycle = AssessmentCycle(name=name, opens_on=opens_on, closes_on=today() + timedelta(days=days_left),
                            reference_date=opens_on, created_at=utcnow())
    db.session.add(cycle)
    db.session.commit()
    return cycle


def key_area_id(code: str) -> int:
    return db.session.scalar(db.select(KeyArea.id).where(KeyArea.code == code))


def secretariat_value_code(unit="number") -> str:
    return next(code for code, rule in sorted(rules().items())
                if rule["kind"] == entries.KIND and rule["params"].get("unit", entries.NUMBER) == unit)


def activity_form(**overrides) -> dict:
    data = {"title": "Workshop on detection", "party_role": "organised", "status": "completed",
            "start_date": "2026-03-02", "end_date": "2026-03-04", "key_areas": ["A.8(1)"], "languages": ["en"],
            "support_type": "training", "modality": "in_person", "participants_women": "4",
            "participants_men": "3", "funding_amount": "1200", "funding_currency": "USD"}
    data.update(overrides)
    return data


def offer_form(**overrides) -> dict:
    data = {"title": "Detection training", "description": "Two weeks in our laboratory.",
            "support_types": ["training"], "key_areas": ["A.8(1)"], "eligibility": "all", "languages": ["en"],
            "modality": "in_person", "capacity": "3", "opens_on": today().isoformat(),
            "closes_on": (today() + timedelta(days=60)).isoformat(), "budget_amount": "5000",
            "budget_currency": "EUR"}
    data.update(overrides)
    return data


def cycle_form(**overrides) -> dict:
    data = {"name": "Mid-term 2026", "opens_on": (today() - timedelta(days=1)).isoformat(),
            "closes_on": (today() + timedelta(days=30)).isoformat(),
            "reference_date": (today() - timedelta(days=1)).isoformat()}
    data.update(overrides)
    return data


def matched_pair(visibility="providers"):
    """Kenya's submitted need in A.8(1), a vetted provider's open offer there, and the suggestion linking them,
    with a Kenyan focal point and the provider."""
    cycle = open_cycle("Matching cycle")
    make_assessment("KEN", cycle, {"A.8(1)": {"level": "high", "priority": 1, "support_types": ["training"],
                                               "languages": ["en"]}}, visibility=visibility)
    organisation = make_organisation("Lab Network", vetted=True)
    offer = make_offer(organisation, key_areas=("A.8(1)",), support_types=("training",), languages=("en",),
                       capacity=3)
    matching_services.refresh_party_suggestions(party("KEN").id)
    db.session.commit()
    match = db.session.scalar(db.select(Match).where(Match.offer_id == offer.id))
    return {"match": match, "offer": offer, "organisation": organisation, "cycle": cycle,
            "party_user": make_user(PARTY_FOCAL_POINT, party_iso3="KEN"),
            "provider": make_user(PROVIDER, party_iso3=None, organisation=organisation)}


def step(client, match, name, data=None, prefix=None):
    """A workflow step from the match page, with the version the page showed."""
    db.session.expire_all()
    version = db.session.get(Match, match.id).lock_version
    data = {f"{prefix}-lock_version" if prefix else "lock_version": version, **(data or {})}
    return post(client, f"/matches/{match.id}/{name}", data)


def pages_problems(clients: dict, table: list[tuple[str, object, list[str]]]) -> list[str]:
    """Fetch each (reader, url, tags) of the table (or take the response given instead of the url); the
    problems: a page that is not 200, that holds a payload unescaped, or that lacks the escaped copy of a tag it
    should show."""
    problems = []
    for reader, url, tags in table:
        response = clients[reader].get(url) if isinstance(url, str) else url
        html = response.get_data(as_text=True)
        if response.status_code != 200:
            problems.append(f"{reader} {url}: {response.status_code}")
            continue
        problems += [f"{reader} {url}: unescaped {fragment!r}" for fragment in UNSAFE if fragment in html]
        problems += [f"{reader} {url}: no {tag}" for tag in tags if escaped(tag) not in html]
    return problems


# =================================================================================================
# 1. Script in every text field is shown escaped
# =================================================================================================
# Which page shows which field. Each test below saves the fields through their form, then checks every page
# of its part of this table: each page must hold the escaped copy of the field's payload, and no payload
# unescaped (a `|safe` or Markup on any of these fields fails the test).
SHOWN_ON = {
    "registration": {  # /register/party, /register/organisation
        "/admin/users": ["party.name", "provider.name"],
        "/admin/users/<party applicant>": ["party.name", "party.job_title"],
        "/admin/users/<provider applicant>": ["provider.name", "provider.job_title", "provider.organisation"],
        "/admin/organisations": ["provider.organisation", "provider.website"],
        "/admin/organisations/<id>/edit": ["provider.organisation", "provider.website"],
        "/admin/audit": ["party.name", "provider.name", "provider.organisation", "provider.website"],
        "/register/organisation (the list of known organisations)": ["provider.organisation"],
    },
    "profile": {  # /profile
        "/profile": ["profile.name", "profile.job_title"],
        "/offers (the header's user menu)": ["profile.name"],
        "/admin/users": ["profile.name"],
        "/admin/users/<id>": ["profile.name", "profile.job_title"],
        "/admin/audit": ["profile.name", "profile.job_title"],
    },
    "organisation profile": {  # /organisation
        "/organisation": ["organisation.name", "organisation.description", "organisation.website"],
        "/profile": ["organisation.name"],
        "/activities/new": ["organisation.name"],
        "/admin/organisations": ["organisation.name", "organisation.website"],
        "/admin/organisations/<id>/edit": ["organisation.name", "organisation.description",
                                           "organisation.website"],
        "/admin/users": ["organisation.name"],
        "/admin/users/<id>": ["organisation.name"],
        "/admin/audit": ["organisation.name", "organisation.description", "organisation.website"],
        "/offers/<id>": ["organisation.name", "organisation.description", "organisation.website"],
        "/offers": ["organisation.name"],
        "/my-offers": ["organisation.name"],
    },
    "offer": {  # /offers/new
        "/offers/<id>": ["offer.title", "offer.description"],
        "/offers": ["offer.title"],
        "/offers?q=alert": ["offer.title"],
        "/my-offers": ["offer.title"],
        "/offers/<id>/edit": ["offer.title", "offer.description"],
        "/admin/audit": ["offer.title", "offer.description"],
        "/matches (Party)": ["offer.title"],
        "/matches/<id> (Party)": ["offer.title"],
        "/matches (provider)": ["offer.title"],
        "/activities/new (provider: the offer list)": ["offer.title"],
    },
    "activity": {  # /activities/new
        "/activities/<id>": ["activity.title", "activity.description", "activity.funding_source",
                             "activity.results", "activity.output_title", "activity.output_url"],
        "/activities": ["activity.title"],
        "/activities (Secretariat)": ["activity.title"],
        "/activities/<id>/edit": ["activity.title", "activity.description", "activity.funding_source",
                                  "activity.results", "activity.output_title", "activity.output_url"],
        "/activities/<id>/delete": ["activity.title"],
        "/admin/audit": ["activity.title", "activity.description", "activity.funding_source",
                         "activity.results", "activity.output_title", "activity.output_url"],
    },
    "activity deleted": {  # /activities/<id>/delete
        "/activities (the message saying it is deleted)": ["activity.title"],
        "/admin/audit": ["activity.title", "activity.description"],
    },
    "assessment": {  # /assessments/<id>, then submitted
        "/assessments/<id>": ["need.comment", "answer.evidence_url"],
        "/assessments/<id> (Secretariat)": ["need.comment", "answer.evidence_url"],
        "/assessments/<id>/versions": [],
        "/matches/<id> (Party)": ["need.comment"],
        "/matches/<id> (provider)": ["need.comment"],
        "/matches/<id> (Secretariat)": ["need.comment"],
        "/admin/audit": ["need.comment", "answer.evidence_url"],
    },
    "assessment revised": {  # /assessments/<id>/reopen, then /assessments/<id> again
        "/assessments/<id>": ["need.comment2", "answer.evidence_url"],
        "/assessments/<id>/compare": ["need.comment", "need.comment2"],
    },
    "assessment upload": {  # /assessments/<id>/upload
        "/assessments/<id>/upload (preview)": ["upload.comment"],
        "/assessments/<id>": ["upload.comment"],
    },
    "match steps": {  # /matches/<id>/decline, /deliver, /confirm
        "/matches/<declined id> (Party)": ["decline.comment"],
        "/matches/<declined id> (provider)": ["decline.comment"],
        "/matches/<closed id> (Party)": ["feedback", "delivery.title"],
        "/matches/<closed id> (provider)": ["feedback", "delivery.title"],
        "/matches/<closed id> (Secretariat)": ["feedback", "delivery.title"],
        "/notifications (provider)": ["decline.comment"],
        "/admin/outbox": ["decline.comment"],
        "/admin/audit": ["decline.comment", "feedback", "delivery.title", "delivery.results"],
        "/activities (provider)": ["delivery.title"],
        "/activities/<delivered id> (provider)": ["delivery.title", "delivery.results"],
    },
    "indicator entry": {  # /indicators/<code>/entries
        "/indicators/<code>/entries": ["entry.source"],
        "/admin/audit": ["entry.source"],
    },
    "cycle": {  # /cycles/new
        "/cycles": ["cycle.name"],
        "/cycles/<id>": ["cycle.name"],
        "/cycles/<id>/edit": ["cycle.name"],
        "/ (Party)": ["cycle.name"],
        "/assessments (Party)": ["cycle.name"],
        "/assessments/<id> (Party)": ["cycle.name"],
        "/needs (Secretariat)": ["cycle.name"],
        "/needs/heatmap (Secretariat)": ["cycle.name"],
        "/dashboard": ["cycle.name"],
        "/dashboard/public (anyone)": ["cycle.name"],
        "/notifications (Party)": ["cycle.name"],
        "/admin/outbox": ["cycle.name"],
        "/admin/audit": ["cycle.name"],
    },
}


def check(name: str, clients: dict, urls: dict[str, tuple[str, str]]):
    """Check the pages of SHOWN_ON[name]; `urls` gives each page's reader and address, for every page of the
    table and no other."""
    assert set(urls) == set(SHOWN_ON[name])
    table = [(urls[page][0], urls[page][1], tags) for page, tags in SHOWN_ON[name].items()]
    problems = pages_problems(clients, table)
    assert not problems, "\n".join(problems)


def test_registration_texts_are_shown_escaped(app, client):
    assert post(client, "/register/party", {
        "name": payload("party.name"), "job_title": payload("party.job_title"), "email": "party@example.org",
        "password": "x" * 12, "confirm": "x" * 12, "locale": "en", "party": "KEN"}).status_code == 302
    assert post(client, "/register/organisation", {
        "name": payload("provider.name"), "job_title": payload("provider.job_title"),
        "email": "provider@example.org", "password": "x" * 12, "confirm": "x" * 12, "locale": "en",
        "organisation_name": payload("provider.organisation"), "organisation_type": "ngo", "country": "KEN",
        "website": link_payload("provider.website")}).status_code == 302
    party_applicant = db.session.scalar(db.select(User).where(User.email == "party@example.org"))
    provider_applicant = db.session.scalar(db.select(User).where(User.email == "provider@example.org"))
    assert party_applicant.name == payload("party.name")  # stored as typed
    secretariat = as_user(app, make_user(SECRETARIAT, party_iso3=None))
    check("registration", {"secretariat": secretariat, "anonymous": app.test_client()}, {
        "/admin/users": ("secretariat", "/admin/users"),
        "/admin/users/<party applicant>": ("secretariat", f"/admin/users/{party_applicant.id}"),
        "/admin/users/<provider applicant>": ("secretariat", f"/admin/users/{provider_applicant.id}"),
        "/admin/organisations": ("secretariat", "/admin/organisations"),
        "/admin/organisations/<id>/edit": ("secretariat",
                                           f"/admin/organisations/{provider_applicant.organisation_id}/edit"),
        "/admin/audit": ("secretariat", "/admin/audit"),
        "/register/organisation (the list of known organisations)": ("anonymous", "/register/organisation"),
    })


def test_profile_texts_are_shown_escaped(app, client):
    user = make_user(PARTY_EDITOR)
    login(client, user)
    assert post(client, "/profile", {"name": payload("profile.name"), "job_title": payload("profile.job_title"),
                                     "locale": "en"}).status_code == 302
    secretariat = as_user(app, make_user(SECRETARIAT, party_iso3=None))
    check("profile", {"self": client, "secretariat": secretariat}, {
        "/profile": ("self", "/profile"),
        "/offers (the header's user menu)": ("self", "/offers"),
        "/admin/users": ("secretariat", "/admin/users"),
        "/admin/users/<id>": ("secretariat", f"/admin/users/{user.id}"),
        "/admin/audit": ("secretariat", "/admin/audit"),
    })


def test_organisation_profile_texts_are_shown_escaped(app, client):
    organisation = make_organisation("Plain name", vetted=False)
    provider = make_user(PROVIDER, party_iso3=None, organisation=organisation)
    login(client, provider)
    response = post(client, "/organisation", {
        "name": payload("organisation.name"), "type": "university", "country": "KEN",
        "website": link_payload("organisation.website"), "description": payload("organisation.description"),
        "contact_email": "contact@example.org"})
    assert response.status_code == 302, response.get_data(as_text=True)
    organisation = fresh(Organisation, organisation.id)
    organisation.vetted = True
    db.session.commit()
    offer = make_offer(organisation, title="Plain offer")
    secretariat = as_user(app, make_user(SECRETARIAT, party_iso3=None))
    check("organisation profile", {"provider": client, "secretariat": secretariat, "anonymous": app.test_client()}, {
        "/organisation": ("provider", "/organisation"),
        "/profile": ("provider", "/profile"),
        "/activities/new": ("provider", "/activities/new"),
        "/admin/organisations": ("secretariat", "/admin/organisations"),
        "/admin/users": ("secretariat", "/admin/users"),
        "/admin/users/<id>": ("secretariat", f"/admin/users/{provider.id}"),
        "/admin/organisations/<id>/edit": ("secretariat", f"/admin/organisations/{organisation.id}/edit"),
        "/admin/audit": ("secretariat", "/admin/audit"),
        "/offers/<id>": ("anonymous", f"/offers/{offer.id}"),
        "/offers": ("anonymous", "/offers"),
        "/my-offers": ("provider", "/my-offers"),
    })


def test_offer_texts_are_shown_escaped(app, client):
    pair = matched_pair()
    provider = as_user(app, pair["provider"])
    response = post(provider, "/offers/new", offer_form(title=payload("offer.title"),
                                                         description=payload("offer.description")))
    assert response.status_code == 302, response.get_data(as_text=True)
    offer = only(Offer)
    assert post(provider, f"/offers/{offer.id}/publish").status_code == 302
    assert fresh(Offer, offer.id).status != DRAFT
    match = db.session.scalar(db.select(Match).where(Match.offer_id == offer.id))
    secretariat = as_user(app, make_user(SECRETARIAT, party_iso3=None))
    check("offer", {"provider": provider, "secretariat": secretariat, "anonymous": app.test_client(),
                    "party": as_user(app, pair["party_user"])}, {
        "/offers/<id>": ("anonymous", f"/offers/{offer.id}"),
        "/offers": ("anonymous", "/offers"),
        "/offers?q=alert": ("anonymous", "/offers?q=alert"),
        "/my-offers": ("provider", "/my-offers"),
        "/offers/<id>/edit": ("provider", f"/offers/{offer.id}/edit"),
        "/admin/audit": ("secretariat", "/admin/audit"),
        "/matches (Party)": ("party", "/matches"),
        "/matches/<id> (Party)": ("party", f"/matches/{match.id}"),
        "/matches (provider)": ("provider", "/matches"),
        "/activities/new (provider: the offer list)": ("provider", "/activities/new"),
    })


def test_activity_texts_are_shown_escaped(app, client):
    login(client, make_user(PARTY_EDITOR, party_iso3="KEN"))
    response = post(client, "/activities/new", activity_form(
        title=payload("activity.title"), description=payload("activity.description"),
        funding_source=payload("activity.funding_source"), results=payload("activity.results"),
        **{"outputs-0-title": payload("activity.output_title"),
           "outputs-0-url": link_payload("activity.output_url")}))
    assert response.status_code == 302, response.get_data(as_text=True)
    activity = only(Activity)
    assert activity.outputs == [{"title": payload("activity.output_title"),
                                 "url": link_payload("activity.output_url")}]
    secretariat = as_user(app, make_user(SECRETARIAT, party_iso3=None))
    check("activity", {"party": client, "secretariat": secretariat}, {
        "/activities/<id>": ("party", f"/activities/{activity.id}"),
        "/activities": ("party", "/activities"),
        "/activities (Secretariat)": ("secretariat", "/activities"),
        "/activities/<id>/edit": ("party", f"/activities/{activity.id}/edit"),
        "/activities/<id>/delete": ("party", f"/activities/{activity.id}/delete"),
        "/admin/audit": ("secretariat", "/admin/audit"),
    })
    response = post(client, f"/activities/{activity.id}/delete")
    assert response.status_code == 302 and count(Activity)() == 0
    check("activity deleted", {"party": client, "secretariat": secretariat}, {
        "/activities (the message saying it is deleted)": ("party", response.headers["Location"]),
        "/admin/audit": ("secretariat", "/admin/audit"),
    })


def test_assessment_texts_are_shown_escaped(app, client):
    cycle = open_cycle("Open cycle")
    organisation = make_organisation("Lab Network", vetted=True)
    offer = make_offer(organisation, key_areas=("A.8(1)",), support_types=("training",), languages=("en",))
    provider = as_user(app, make_user(PROVIDER, party_iso3=None, organisation=organisation))
    focal_point = make_user(PARTY_FOCAL_POINT, party_iso3="KEN")
    assessment = assessment_services.start_assessment(party("KEN"), cycle, actor=focal_point)
    db.session.commit()
    login(client, focal_point)
    question = db.session.scalar(db.select(DeclaredQuestion).where(DeclaredQuestion.kind == "choice").limit(1))

    def save(comment):
        need = lambda name: f"need-{key_area_id('A.8(1)')}-{name}"  # noqa: E731
        assessment_now = fresh(Assessment, assessment.id)
        response = post(client, f"/assessments/{assessment.id}", {
            "lock_version": assessment_now.lock_version, need("level"): "high", need("priority"): "1",
            need("support_types"): "training", need("languages"): "en", need("comment"): comment,
            f"answer-{question.id}-choice": "no",
            f"answer-{question.id}-evidence_url": link_payload("answer.evidence_url")})
        assert response.status_code == 302, response.get_data(as_text=True)

    save(payload("need.comment"))
    assert post(client, f"/assessments/{assessment.id}/submit").status_code == 302
    match = db.session.scalar(db.select(Match).where(Match.offer_id == offer.id))
    secretariat = as_user(app, make_user(SECRETARIAT, party_iso3=None))
    clients = {"party": client, "secretariat": secretariat, "provider": provider}
    check("assessment", clients, {
        "/assessments/<id>": ("party", f"/assessments/{assessment.id}"),
        "/assessments/<id> (Secretariat)": ("secretariat", f"/assessments/{assessment.id}"),
        "/assessments/<id>/versions": ("party", f"/assessments/{assessment.id}/versions"),
        "/matches/<id> (Party)": ("party", f"/matches/{match.id}"),
        "/matches/<id> (provider)": ("provider", f"/matches/{match.id}"),
        "/matches/<id> (Secretariat)": ("secretariat", f"/matches/{match.id}"),
        "/admin/audit": ("secretariat", "/admin/audit"),
    })
    assert post(client, f"/assessments/{assessment.id}/reopen").status_code == 302
    save(payload("need.comment2"))
    check("assessment revised", clients, {
        "/assessments/<id>": ("party", f"/assessments/{assessment.id}"),
        "/assessments/<id>/compare": ("party", f"/assessments/{assessment.id}/compare?from=1&to=current"),
    })


def test_spreadsheet_texts_are_shown_escaped(app, client):
    cycle = open_cycle()
    editor = make_user(PARTY_EDITOR, party_iso3="KEN")
    assessment = assessment_services.start_assessment(party("KEN"), cycle, actor=editor)
    db.session.commit()
    login(client, editor)
    workbook = open_workbook(download(client, assessment))
    set_need(workbook, "A.8(1)", level="High", comment=payload("upload.comment"))
    preview = upload(client, assessment, as_bytes(workbook))
    assert apply_preview(client, preview.get_data(as_text=True)).status_code == 302
    check("assessment upload", {"party": client}, {
        "/assessments/<id>/upload (preview)": ("party", preview),
        "/assessments/<id>": ("party", f"/assessments/{assessment.id}"),
    })


def test_match_step_texts_are_shown_escaped(app, ctx):
    pair = matched_pair()
    declined = pair["match"]
    party_side, provider = as_user(app, pair["party_user"]), as_user(app, pair["provider"])
    assert step(provider, declined, "propose").status_code == 302
    assert step(party_side, declined, "decline", {"reason-reason": "other",
                                                  "reason-comment": payload("decline.comment")},
                prefix="reason").status_code == 302
    second = make_offer(pair["organisation"], title="Second offer", key_areas=("A.8(1)",),
                        support_types=("training",), languages=("en",))
    matching_services.refresh_party_suggestions(party("KEN").id)
    db.session.commit()
    closed = db.session.scalar(db.select(Match).where(Match.offer_id == second.id))
    assert step(party_side, closed, "propose").status_code == 302
    assert step(provider, closed, "agree").status_code == 302
    assert step(provider, closed, "start").status_code == 302
    response = step(provider, closed, "deliver", {
        "delivery-title": payload("delivery.title"), "delivery-results": payload("delivery.results"),
        "delivery-start_date": "2026-03-01", "delivery-support_type": "training"}, prefix="delivery")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert step(party_side, closed, "confirm", {"confirm-rating": "4", "confirm-feedback": payload("feedback")},
                prefix="confirm").status_code == 302
    delivered = fresh(Match, closed.id).activity_id
    clients = {"party": party_side, "provider": provider, "secretariat": as_user(app, make_user(SECRETARIAT,
                                                                                              party_iso3=None))}
    check("match steps", clients, {
        "/matches/<declined id> (Party)": ("party", f"/matches/{declined.id}"),
        "/matches/<declined id> (provider)": ("provider", f"/matches/{declined.id}"),
        "/matches/<closed id> (Party)": ("party", f"/matches/{closed.id}"),
        "/matches/<closed id> (provider)": ("provider", f"/matches/{closed.id}"),
        "/matches/<closed id> (Secretariat)": ("secretariat", f"/matches/{closed.id}"),
        "/notifications (provider)": ("provider", "/notifications"),
        "/activities (provider)": ("provider", "/activities"),
        "/admin/outbox": ("secretariat", "/admin/outbox"),
        "/admin/audit": ("secretariat", "/admin/audit"),
        "/activities/<delivered id> (provider)": ("provider", f"/activities/{delivered}"),
    })


def test_indicator_entry_source_is_shown_escaped(app, client):
    cycle = open_cycle()
    code = secretariat_value_code()
    login(client, make_user(SECRETARIAT, party_iso3=None))
    response = post(client, f"/indicators/{code}/entries", {"action": "enter", "cycle": str(cycle.id),
                                                             "value": "12", "source": payload("entry.source")})
    assert response.status_code == 302, response.get_data(as_text=True)
    check("indicator entry", {"secretariat": client}, {
        "/indicators/<code>/entries": ("secretariat", f"/indicators/{code}/entries"),
        "/admin/audit": ("secretariat", "/admin/audit"),
    })


def test_cycle_name_is_shown_escaped(app, client):
    party_user = make_user(PARTY_FOCAL_POINT, party_iso3="KEN")
    login(client, make_user(SECRETARIAT, party_iso3=None))
    assert post(client, "/cycles/new", cycle_form(name=payload("cycle.name"))).status_code == 302
    cycle = only(AssessmentCycle)
    party_side = as_user(app, party_user)
    assert post(party_side, f"/assessments/start/{cycle.id}").status_code == 302
    assessment = only(Assessment)
    assert post(client, "/admin/jobs/cycle_reminders/run").status_code == 302  # "the cycle is open", by mail too
    check("cycle", {"secretariat": client, "party": party_side, "anonymous": app.test_client()}, {
        "/cycles": ("secretariat", "/cycles"),
        "/cycles/<id>": ("secretariat", f"/cycles/{cycle.id}"),
        "/cycles/<id>/edit": ("secretariat", f"/cycles/{cycle.id}/edit"),
        "/ (Party)": ("party", "/"),
        "/assessments (Party)": ("party", "/assessments"),
        "/assessments/<id> (Party)": ("party", f"/assessments/{assessment.id}"),
        "/needs (Secretariat)": ("secretariat", "/needs"),
        "/needs/heatmap (Secretariat)": ("secretariat", "/needs/heatmap"),
        "/dashboard": ("secretariat", "/dashboard"),
        "/dashboard/public (anyone)": ("anonymous", "/dashboard/public"),
        "/notifications (Party)": ("party", "/notifications"),
        "/admin/outbox": ("secretariat", "/admin/outbox"),
        "/admin/audit": ("secretariat", "/admin/audit"),
    })


# =================================================================================================
# 2. CSRF: every POST address refuses a missing or wrong token
# =================================================================================================

def csrf_world() -> dict:
    """Users and one object of each kind, in a state where each POST route would be allowed."""
    organisation = make_organisation("Vetted Provider", vetted=True)
    unvetted = make_organisation("Awaiting vetting", vetted=False)
    users = {
        "secretariat": make_user(SECRETARIAT, party_iso3=None),
        "party": make_user(PARTY_FOCAL_POINT, party_iso3="KEN"),
        "provider": make_user(PROVIDER, party_iso3=None, organisation=organisation),
        "pending": make_user(PARTY_EDITOR, party_iso3="PER", status=PENDING),
        "active": make_user(PARTY_EDITOR, party_iso3="PER"),
        "inactive": make_user(PARTY_EDITOR, party_iso3="PER", status="inactive"),
        "other": make_user(PARTY_EDITOR, party_iso3="UGA"),
        "password owner": make_user(PARTY_EDITOR, party_iso3="UGA"),
    }
    earlier = open_cycle("Earlier cycle", opened=400, days_left=-300)
    make_assessment("KEN", earlier, {"A.5(1)": "medium"})
    submitted_cycle = open_cycle("Submitted cycle", opened=20)
    submitted = make_assessment("KEN", submitted_cycle, {"A.8(1)": {"level": "high", "priority": 1,
                                                                    "support_types": ["training"]}})
    draft_cycle = open_cycle("Draft cycle", opened=5)
    draft = assessment_services.start_assessment(party("KEN"), draft_cycle, actor=users["party"])
    new_cycle = open_cycle("Not started cycle", opened=1)
    db.session.flush()
    pending_upload = PendingUpload(assessment_id=draft.id, user_id=users["party"].id, created_at=utcnow(),
                                   lock_version=draft.lock_version,
                                   content={"needs": {"A.8(2)": {"level": "low"}}, "answers": {}})
    db.session.add(pending_upload)
    offers = {name: make_offer(organisation, title=f"{name} offer", status=status)
              for name, status in (("draft", DRAFT), ("open", "open"), ("edited", "open"), ("matched", "open"))}
    matching_services.refresh_party_suggestions(party("KEN").id)
    match = db.session.scalar(db.select(Match).where(Match.offer_id == offers["matched"].id))
    match.status, match.proposed_by = "proposed", "provider"  # in the workflow: no refresh removes it
    now = utcnow()
    activities = {name: Activity(party=party("KEN"), party_role="organised", title=f"{name} activity",
                                 status="planned", created_at=now, updated_at=now)
                  for name in ("edited", "deleted")}
    db.session.add_all(activities.values())
    notification = notify(users["party"], "account_approved", params={"role": PARTY_FOCAL_POINT})
    token, _secret = create_token(users["party"], "Script", actor=users["party"])
    db.session.commit()
    return {
        **users, "organisation": organisation, "unvetted": unvetted, "submitted": submitted, "draft": draft,
        "new_cycle": new_cycle, "pending_upload": pending_upload, "offers": offers, "activities": activities,
        "match": match,
        "notification": notification, "token": token, "reset": password_reset_token(users["active"]),
        "indicator": secretariat_value_code(), "cycle": draft_cycle,
    }


# endpoint → (who acts, address, what a browser would send besides the token). The walk below fails when a
# POST route outside /api/ has no case here. Routes under /api/ are left out on purpose: the API reads no
# cookie, it authenticates each request by its bearer token, so another site cannot forge one (its own tests
# cover it).
CSRF_CASES = {
    "core.set_language": ("anonymous", lambda w: "/language", {"language": "zh"}),
    "accounts.login": ("anonymous", lambda w: "/login", {"email": "x@example.org", "password": "y"}),
    "accounts.register_party": ("anonymous", lambda w: "/register/party", {
        "name": "New", "email": "new@example.org", "password": "x" * 12, "confirm": "x" * 12, "locale": "en",
        "party": "KEN"}),
    "accounts.register_provider": ("anonymous", lambda w: "/register/organisation", {
        "name": "New", "email": "new2@example.org", "password": "x" * 12, "confirm": "x" * 12, "locale": "en",
        "organisation_name": "New organisation", "organisation_type": "ngo"}),
    "accounts.forgot_password": ("anonymous", lambda w: "/password/forgot", {"email": "x@example.org"}),
    "accounts.reset_password": ("anonymous", lambda w: f"/password/reset/{w['reset']}", {
        "password": "y" * 12, "confirm": "y" * 12}),
    "accounts.profile": ("party", lambda w: "/profile", {"name": "Renamed", "locale": "en"}),
    "accounts.change_password": ("password owner", lambda w: "/profile/password", {
        "current": PASSWORD, "password": "z" * 12, "confirm": "z" * 12}),
    "accounts.user_detail": ("secretariat", lambda w: f"/admin/users/{w['other'].id}", {
        "role": PARTY_FOCAL_POINT, "party": "UGA"}),
    "accounts.approve_user": ("secretariat", lambda w: f"/admin/users/{w['pending'].id}/approve", {}),
    "accounts.deactivate_user": ("secretariat", lambda w: f"/admin/users/{w['active'].id}/deactivate", {}),
    "accounts.activate_user": ("secretariat", lambda w: f"/admin/users/{w['inactive'].id}/activate", {}),
    "organisations.profile": ("provider", lambda w: "/organisation", {
        "name": "Vetted Provider", "type": "ngo", "description": "Changed"}),
    "organisations.edit": ("secretariat", lambda w: f"/admin/organisations/{w['organisation'].id}/edit", {
        "name": "Renamed Provider", "type": "ngo"}),
    "organisations.vet": ("secretariat", lambda w: f"/admin/organisations/{w['unvetted'].id}/vet",
                          {"vetted": "yes"}),
    "assessments.start": ("party", lambda w: f"/assessments/start/{w['new_cycle'].id}", {}),
    "assessments.assessment": ("party", lambda w: f"/assessments/{w['draft'].id}", lambda w: {
        "lock_version": str(w["draft"].lock_version), f"need-{key_area_id('A.8(3)')}-level": "low"}),
    "assessments.copy_previous": ("party", lambda w: f"/assessments/{w['draft'].id}/copy-previous", {}),
    "assessments.visibility": ("party", lambda w: f"/assessments/{w['draft'].id}/visibility",
                               {"visibility": "public"}),
    "assessment_uploads.upload": ("party", lambda w: f"/assessments/{w['draft'].id}/upload",
                                  lambda w: {"workbook": (io.BytesIO(b"not a workbook"), "filled.xlsx")}),
    "assessment_uploads.apply": ("party", lambda w: f"/assessments/{w['draft'].id}/upload/"
                                                    f"{w['pending_upload'].id}/apply",
                                 lambda w: {"made": w["pending_upload"].created_at.isoformat()}),
    "assessments.submit": ("party", lambda w: f"/assessments/{w['draft'].id}/submit", {}),
    "assessments.reopen": ("party", lambda w: f"/assessments/{w['submitted'].id}/reopen", {}),
    "assessments.new_cycle": ("secretariat", lambda w: "/cycles/new", cycle_form()),
    "assessments.edit_cycle": ("secretariat", lambda w: f"/cycles/{w['cycle'].id}/edit",
                               cycle_form(name="Renamed cycle")),
    "activities.new": ("party", lambda w: "/activities/new", activity_form()),
    "activities.edit": ("party", lambda w: f"/activities/{w['activities']['edited'].id}/edit",
                        lambda w: activity_form(lock_version=str(w["activities"]["edited"].lock_version))),
    "activities.delete": ("party", lambda w: f"/activities/{w['activities']['deleted'].id}/delete", {}),
    "offers.new": ("provider", lambda w: "/offers/new", offer_form()),
    "offers.edit": ("provider", lambda w: f"/offers/{w['offers']['edited'].id}/edit",
                    lambda w: offer_form(lock_version=str(w["offers"]["edited"].lock_version))),
    "offers.publish": ("provider", lambda w: f"/offers/{w['offers']['draft'].id}/publish", {}),
    "offers.close": ("provider", lambda w: f"/offers/{w['offers']['open'].id}/close", {}),
    "matching.simple_step": ("provider", lambda w: f"/matches/{w['match'].id}/propose",
                             lambda w: {"lock_version": str(w["match"].lock_version)}),
    "matching.reason_step": ("party", lambda w: f"/matches/{w['match'].id}/decline", lambda w: {
        "reason-reason": "other", "reason-comment": "No", "reason-lock_version": str(w["match"].lock_version)}),
    "matching.deliver": ("provider", lambda w: f"/matches/{w['match'].id}/deliver", lambda w: {
        "delivery-title": "Delivered", "delivery-lock_version": str(w["match"].lock_version)}),
    "matching.confirm": ("party", lambda w: f"/matches/{w['match'].id}/confirm", lambda w: {
        "confirm-rating": "5", "confirm-lock_version": str(w["match"].lock_version)}),
    "matching.run_now": ("secretariat", lambda w: "/matching/runs", {}),
    "indicators.recompute": ("secretariat", lambda w: "/indicators/recompute", {}),
    "indicator_entries.entries_page": ("secretariat", lambda w: f"/indicators/{w['indicator']}/entries", lambda w: {
        "action": "enter", "cycle": str(w["cycle"].id), "value": "3", "source": "BCH"}),
    "notifications.mark_read": ("party", lambda w: f"/notifications/{w['notification'].id}/read", {}),
    "notifications.mark_all_read": ("party", lambda w: "/notifications/read", {}),
    "notifications.preferences": ("party", lambda w: "/profile/notifications", {"account_approved": "never"}),
    "scheduler.run_now": ("secretariat", lambda w: "/admin/jobs/deliver_mail/run", {}),
    "scheduler.pause": ("secretariat", lambda w: "/admin/jobs/deliver_mail/pause", {}),
    "scheduler.resume": ("secretariat", lambda w: "/admin/jobs/deliver_mail/resume", {}),
    "api.create_token": ("party", lambda w: "/profile/tokens", {"name": "Another script"}),
    "api.revoke_token": ("party", lambda w: f"/profile/tokens/{w['token'].id}/revoke", {}),
    "accounts.logout": ("party", lambda w: "/logout", {}),  # last: it ends the session it is sent in
}
FORM_EXPIRED = "security token is missing or out of date"


def form_post_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if "POST" in rule.methods and not rule.rule.startswith("/api/")}


def test_every_post_route_has_a_csrf_case(app):
    missing = form_post_endpoints(app) - set(CSRF_CASES)
    assert not missing, f"POST routes without a case in CSRF_CASES (add one): {sorted(missing)}"
    assert set(CSRF_CASES) - form_post_endpoints(app) == set()


def database_state() -> dict[str, list[str]]:
    """Every row of every table but the reference data: two states compare equal only if nothing changed."""
    with db.engine.connect() as connection:
        return {table.name: sorted(repr(tuple(row)) for row in connection.execute(table.select()))
                for table in db.metadata.sorted_tables if table.name not in REFERENCE_TABLES}


def sent(data, world) -> dict:
    """A case's form as a browser sends it (a fresh copy: files are read once)."""
    return data(world) if callable(data) else dict(data)


def test_every_post_route_refuses_a_missing_or_wrong_csrf_token_and_changes_nothing(app, ctx):
    world = csrf_world()
    clients = {who: app.test_client() for who, _address, _data in CSRF_CASES.values()}
    for who, client in clients.items():
        if who != "anonymous":
            login(client, world[who])
    someone_elses_token = csrf_token(app.test_client())
    failures = []
    for endpoint, (who, address, data) in CSRF_CASES.items():
        url = address(world)
        before, audited = database_state(), audit_count()
        for label, token in (("no token", None), ("a forged token", "forged"),
                             ("another session's token", someone_elses_token)):
            form = sent(data, world) if token is None else {**sent(data, world), "csrf_token": token}
            response = clients[who].post(url, data=form)
            html = response.get_data(as_text=True)
            if response.status_code != 400 or FORM_EXPIRED not in html or "Nothing was changed" not in html:
                failures.append(f"{endpoint} {url} with {label}: {response.status_code}")
        if database_state() != before or audit_count() != audited:
            failures.append(f"{endpoint} {url}: a refused request changed something")
        # The same request with the page's token is not refused: the case is one the user may send.
        browser = app.test_client()
        if who != "anonymous":
            login(browser, world[who])
        response = post(browser, url, sent(data, world))
        if response.status_code in (400, 403, 404, 405) or FORM_EXPIRED in response.get_data(as_text=True):
            failures.append(f"{endpoint} {url} with the page's token: {response.status_code}")
    assert not failures, "\n".join(failures)


# =================================================================================================
# 3. SQL-looking strings are data
# =================================================================================================
SQL_STRINGS = ["'; DROP TABLE offer; --", '" OR 1=1 --', "%' OR '1'='1", "\\", "\\'; SELECT 1; --",
               "‘quoted’ “text” ＇；", "1); DELETE FROM activity; --", "_%"]


def test_sql_looking_strings_are_stored_and_shown_verbatim(app, client):
    organisation = make_organisation("SQL Provider", vetted=True)
    login(client, make_user(PROVIDER, party_iso3=None, organisation=organisation))
    control = make_offer(organisation, title="Plain offer about detection")
    for text in SQL_STRINGS:
        response = post(client, "/offers/new", offer_form(title=f"Offer {text}", description=f"About {text}"))
        assert response.status_code == 302, (text, response.get_data(as_text=True))
        offer = only(Offer)
        assert (offer.title, offer.description) == (f"Offer {text}", f"About {text}")
        assert post(client, f"/offers/{offer.id}/publish").status_code == 302
        html = client.get(f"/offers/{offer.id}").get_data(as_text=True)
        assert str(escape(f"Offer {text}")) in html and str(escape(f"About {text}")) in html
    assert inspect(db.engine).has_table("offer") and inspect(db.engine).has_table("activity")
    assert db.session.scalar(db.select(db.func.count(Offer.id))) == len(SQL_STRINGS) + 1

    # Searched for, each is words to find, not a condition: "OR 1=1" does not bring every offer.
    for text, expected in (("'; DROP TABLE offer; --", ["Offer '; DROP TABLE offer; --"]),
                           ('" OR 1=1 --', ['Offer " OR 1=1 --', "Offer %' OR '1'='1"]),
                           ("%' OR '1'='1", ['Offer " OR 1=1 --', "Offer %' OR '1'='1"]),
                           ("\\'; SELECT 1; --", ["Offer \\'; SELECT 1; --"])):
        response = client.get("/offers", query_string={"q": text})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        found = sorted(title for title in db.session.scalars(db.select(Offer.title))
                       if f">{escape(title)}</a>" in html)
        assert found == sorted(expected), text
        assert control.title not in html


def test_sql_looking_strings_in_search_boxes_and_filters_are_data(app, client):
    secretariat = make_user(SECRETARIAT, party_iso3=None, email="officer@example.org")
    login(client, secretariat)
    make_user(PARTY_EDITOR, email="someone@example.org")
    assert post(client, "/cycles/new", cycle_form(name="'; DROP TABLE audit_entry; --")).status_code == 302
    cycle, audited = only(AssessmentCycle), audit_count()
    assert cycle.name == "'; DROP TABLE audit_entry; --"
    assert str(escape(cycle.name)) in client.get("/cycles").get_data(as_text=True)
    pages = {"/offers": ["q"], "/needs": ["cycle", "key_area", "goal", "group", "level", "priority"],
             "/admin/audit": ["actor", "action", "object_type", "object_id", "since", "until"],
             "/activities": ["status", "year", "party", "recorded_by"], "/admin/users": ["status", "role"],
             f"/cycles/{cycle.id}": ["group", "status"], "/matches": ["status"], "/gaps": ["cycle"],
             "/dashboard": ["cycle"], "/needs/heatmap": ["cycle", "level"]}
    failures = []
    for url, parameters in pages.items():
        for parameter in parameters:
            for text in SQL_STRINGS:
                status = client.get(url, query_string={parameter: text}).status_code
                if status != 200:
                    failures.append((url, parameter, text, status))
    assert failures == []
    assert db.session.scalar(db.select(db.func.count(AssessmentCycle.id))) == 1 and audit_count() == audited

    # The audit log's "by (e-mail contains)" is a text to find, wildcards included.
    def entries_for(actor):
        html = client.get("/admin/audit", query_string={"actor": actor}).get_data(as_text=True)
        return re.search(r"(\d+) entr(?:y|ies)", html).group(1)

    assert entries_for("officer") == "1"
    assert [entries_for(text) for text in ("%", "_", "%' OR '1'='1", "' OR 1=1 --")] == ["0"] * 4


# =================================================================================================
# 4. Oversized bodies and uploads
# =================================================================================================
TOO_LARGE = "What you sent is larger than the tracker accepts. Nothing was changed."


def upload_large(client, assessment, data: bytes):
    """Upload a workbook with a multipart body made here: the test client would spool a large one to a file
    that it never closes."""
    boundary, body = encode_multipart({"csrf_token": csrf_token(client),
                                       "workbook": FileStorage(io.BytesIO(data), "filled.xlsx")})
    return client.post(f"/assessments/{assessment.id}/upload", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def test_a_form_over_the_size_limit_is_refused_with_413_and_saves_nothing(app, client):
    login(client, make_user(PARTY_EDITOR, party_iso3="KEN"))
    audited = audit_count()
    response = post(client, "/activities/new",
                    activity_form(description="x" * (app.config["MAX_CONTENT_LENGTH"] + 1)))
    assert response.status_code == 413 and TOO_LARGE in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Activity.id))) == 0 and audit_count() == audited


@pytest.fixture
def kenya_draft(ctx):
    cycle = open_cycle()
    editor = make_user(PARTY_EDITOR, party_iso3="KEN")
    assessment = assessment_services.start_assessment(party("KEN"), cycle, actor=editor)
    db.session.commit()
    return {"cycle": cycle, "editor": editor, "assessment": assessment}


def test_an_upload_over_the_size_limit_is_refused_with_413_and_changes_nothing(app, client, kenya_draft):
    assessment = kenya_draft["assessment"]
    login(client, kenya_draft["editor"])
    audited = audit_count()
    response = upload_large(client, assessment, b"PK" + b"\0" * app.config["MAX_CONTENT_LENGTH"])
    assert response.status_code == 413 and TOO_LARGE in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(PendingUpload.id))) == 0 and audit_count() == audited


def test_a_workbook_over_the_upload_limit_gets_a_message_and_changes_nothing(app, client, kenya_draft):
    assessment = kenya_draft["assessment"]
    login(client, kenya_draft["editor"])
    workbook = open_workbook(download(client, assessment))
    set_need(workbook, "A.8(1)", level="High")
    data = as_bytes(workbook)
    padded = data + b"\0" * (3 * 1024 * 1024 - len(data))  # 3 MB: under the body limit, over the upload limit
    audited = audit_count()
    response = upload_large(client, assessment, padded)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The file is larger than 2 MB." in html and 'aria-invalid="true"' in html
    assert db.session.scalar(db.select(db.func.count(PendingUpload.id))) == 0 and audit_count() == audited
    assert fresh(Assessment, assessment.id).needs == []


@pytest.mark.parametrize("revision", ["²", ENORMOUS, "-1", "1e309"])
def test_odd_numbers_in_a_workbook_s_about_sheet_are_read_as_no_number(app, client, kenya_draft, revision):
    """The About sheet says which assessment and revision the template was made from; a number that cannot be
    one is read as none given, and the preview shows the changes."""
    assessment = kenya_draft["assessment"]
    login(client, kenya_draft["editor"])
    workbook = open_workbook(download(client, assessment))
    set_need(workbook, "A.8(1)", level="High")
    workbook["About"]["B5"] = revision
    workbook["About"]["B6"] = revision
    response = upload(client, assessment, as_bytes(workbook))
    assert response.status_code == 200
    assert preview_changes(response.get_data(as_text=True)) == [("A.8(1)", "Need level")]


def test_a_whole_assessment_with_every_box_ticked_is_accepted(app, client, kenya_draft):
    """The largest form a browser sends: every area with every list ticked and every question answered."""
    from tracker.vocabularies import AUDIENCES, LANGUAGES, SUPPORT_TYPES

    assessment = kenya_draft["assessment"]
    login(client, kenya_draft["editor"])
    form = {"lock_version": str(assessment.lock_version)}
    for area_id in db.session.scalars(db.select(KeyArea.id)):
        form.update({f"need-{area_id}-level": "high", f"need-{area_id}-priority": "1",
                     f"need-{area_id}-modality": "", f"need-{area_id}-wanted_by": "",
                     f"need-{area_id}-comment": "", f"need-{area_id}-audiences": list(AUDIENCES),
                     f"need-{area_id}-support_types": list(SUPPORT_TYPES),
                     f"need-{area_id}-languages": list(LANGUAGES)})
    for question in assessment_services.questions_for(party("KEN")):
        form.update({f"answer-{question.id}-choice": "", f"answer-{question.id}-number": "",
                     f"answer-{question.id}-evidence_url": ""})
    response = post(client, f"/assessments/{assessment.id}", form)
    assert response.status_code == 302, response.status_code
    assert len(fresh(Assessment, assessment.id).needs) == 41


# =================================================================================================
# 5. Bytes that are not UTF-8, huge numbers, impossible dates and unknown choices
# =================================================================================================
NOT_UNDERSTOOD = "could not understand what was sent"
NOT_A_DATE = "Not a valid date value."
NOT_A_WHOLE_NUMBER = "Not a valid integer value."
NOT_A_CHOICE = "Not a valid choice."
NOT_CHOICES = "not a valid choice for this field"  # a list with values not offered
OUT_OF_RANGE_DATE = "Give a date between 2000 and 2100."


def bad_value_problems(client, url: str, valid: dict, cases: list[tuple[str, object, str]], state,
                       follow=False) -> list[str]:
    """POST the valid form with each (field, value, expected message) of `cases` in turn. The problems: a server
    error, an answer other than a 4xx or the form again (200) — or, with `follow`, a redirect to a page — that
    holds the message, and any change (`state()` and the audit log before and after)."""
    problems = []
    for field, value, message in cases:
        before, audited = state(), audit_count()
        try:
            response = post(client, url, {**valid, field: value})
        except Exception as error:  # noqa: BLE001 — with TESTING, a server error reaches the test
            problems.append(f"{field}={value!r:.40}: {error!r:.200}")
            continue
        if follow and response.status_code == 302:
            response = client.get(response.headers["Location"])
        if not (response.status_code == 200 or 400 <= response.status_code < 500):
            problems.append(f"{field}={value!r:.40}: {response.status_code}")
        elif message not in response.get_data(as_text=True):
            problems.append(f"{field}={value!r:.40}: {response.status_code} without {message!r}")
        if state() != before or audit_count() != audited:
            problems.append(f"{field}={value!r:.40}: something was saved")
    return problems


def non_utf8_problems(client, url: str, valid: dict, fields: list[str], state) -> list[str]:
    """POST the valid form with bytes that are not UTF-8 in each field, raw and percent-encoded: each must be
    refused with the "could not understand" page, and nothing saved."""
    problems = []
    for field in fields:
        for raw in (b"\xff\xfe", b"%FF%FE", b"caf%E9"):
            fields_sent = {key: value for key, value in valid.items() if key != field}
            body = urlencode({"csrf_token": csrf_token(client), **fields_sent}, doseq=True).encode()
            before, audited = state(), audit_count()
            response = client.post(url, data=body + b"&" + field.encode() + b"=" + raw,
                                   content_type="application/x-www-form-urlencoded")
            html = response.get_data(as_text=True)
            if response.status_code != 400 or NOT_UNDERSTOOD not in html or "Nothing was changed" not in html:
                problems.append(f"{field}={raw!r}: {response.status_code}")
            if state() != before or audit_count() != audited:
                problems.append(f"{field}={raw!r}: something was saved")
    return problems


DATE_CASES = [("0000-01-01", NOT_A_DATE), ("9999-12-31", OUT_OF_RANGE_DATE), ("2026-02-30", NOT_A_DATE),
              ("26/11/2026", NOT_A_DATE), ("1999-12-31", OUT_OF_RANGE_DATE)]


def test_bad_values_in_an_activity_are_refused_with_a_message(client):
    login(client, make_user(PARTY_EDITOR, party_iso3="KEN"))
    between = "Give a whole number between 0 and 10000000."
    amount = "Give the amount as a number of 0 or more."
    cases = [("start_date", value, message) for value, message in DATE_CASES] + [
        ("end_date", "2100-13-01", NOT_A_DATE),
        ("participants_women", "1e309", NOT_A_WHOLE_NUMBER), ("participants_women", HUGE, between),
        ("participants_men", "-1", between), ("participants_men", "NaN", NOT_A_WHOLE_NUMBER),
        ("participants_other", "12abc", NOT_A_WHOLE_NUMBER), ("participants_other", ENORMOUS, NOT_A_WHOLE_NUMBER),
        ("funding_amount", "1e309", amount), ("funding_amount", HUGE, amount), ("funding_amount", "-1", amount),
        ("funding_amount", "NaN", amount), ("funding_amount", "Infinity", amount),
        ("funding_amount", "12abc", "Not a valid decimal value."),
        ("funding_currency", "ZZZ", "Give a three-letter ISO 4217 currency code, such as USD or EUR."),
        ("status", "exploded", NOT_A_CHOICE), ("support_type", "bribery", NOT_A_CHOICE),
        ("modality", "telepathy", NOT_A_CHOICE), ("languages", ["en", "xx"], NOT_CHOICES),
        ("key_areas", ["Z.9(9)"], NOT_CHOICES),
        ("party_role", "owner", "Say whether your Party organised the activity or took part in it."),
    ]
    problems = bad_value_problems(client, "/activities/new", activity_form(), cases, count(Activity))
    problems += non_utf8_problems(client, "/activities/new", activity_form(), ["title", "status"], count(Activity))
    assert not problems, "\n".join(problems)


def test_bad_values_in_an_offer_are_refused_with_a_message(client):
    login(client, make_user(PROVIDER, party_iso3=None, organisation=make_organisation("Bad values", vetted=True)))
    capacity = "Give the number of Parties the offer can serve, between 1 and 1000."
    budget = "Give the amount as a number of 0 or more."
    cases = [("opens_on", value, message) for value, message in DATE_CASES] + [
        ("closes_on", "2026-04-31", NOT_A_DATE),
        ("capacity", HUGE, capacity), ("capacity", "-1", capacity), ("capacity", "0", capacity),
        ("capacity", "1e309", NOT_A_WHOLE_NUMBER), ("capacity", "NaN", NOT_A_WHOLE_NUMBER),
        ("capacity", ENORMOUS, NOT_A_WHOLE_NUMBER),
        ("budget_amount", "1e309", budget), ("budget_amount", "-1", budget), ("budget_amount", "NaN", budget),
        ("budget_currency", "XYZ", "Give a three-letter ISO 4217 currency code, such as USD or EUR."),
        ("modality", "telepathy", NOT_A_CHOICE), ("support_types", ["training", "bribery"], NOT_CHOICES),
        ("languages", ["xx"], NOT_CHOICES), ("audiences", ["aliens"], NOT_CHOICES),
        ("eligibility", "nobody", NOT_A_CHOICE), ("eligible_groups", ["martian"], NOT_CHOICES),
    ]
    problems = bad_value_problems(client, "/offers/new", offer_form(), cases, count(Offer))
    problems += non_utf8_problems(client, "/offers/new", offer_form(), ["description", "capacity"], count(Offer))
    assert not problems, "\n".join(problems)


def test_bad_values_in_an_assessment_are_refused_with_a_message(client, kenya_draft):
    assessment = kenya_draft["assessment"]
    login(client, kenya_draft["editor"])
    area = key_area_id("A.8(1)")
    number_question, choice_question = (
        db.session.scalar(db.select(DeclaredQuestion).where(DeclaredQuestion.kind == kind).limit(1))
        for kind in ("number", "choice"))
    valid = {"lock_version": str(assessment.lock_version), f"need-{area}-level": "high",
             f"need-{area}-priority": "1", f"need-{area}-wanted_by": "2027-06-30"}
    as_date = "Give a date as YYYY-MM-DD."
    priority = "The priority is 1, 2 or 3."
    whole = f"Give a whole number between 0 and {assessment_services.MAX_NUMBER}."
    cases = [(f"need-{area}-wanted_by", value, message) for value, message in
             (("0000-01-01", as_date), ("9999-12-31", OUT_OF_RANGE_DATE), ("2026-02-30", as_date),
              ("26/11/2026", as_date))] + [
        (f"need-{area}-level", "extreme", "Choose a need level from the list."),
        (f"need-{area}-priority", "7", priority), (f"need-{area}-priority", HUGE, priority),
        (f"need-{area}-priority", "1e309", priority), (f"need-{area}-priority", "NaN", priority),
        (f"need-{area}-priority", ENORMOUS, priority),
        (f"need-{area}-modality", "telepathy", "Choose a modality from the list."),
        (f"need-{area}-audiences", ["aliens"], "Choose from the list."),
        (f"answer-{number_question.id}-number", "1e309", "Give a whole number."),
        (f"answer-{number_question.id}-number", HUGE, whole),
        (f"answer-{number_question.id}-number", "-1", whole),
        (f"answer-{number_question.id}-number", "12abc", "Give a whole number."),
        (f"answer-{choice_question.id}-choice", "maybe", "Answer yes, partly or no."),
        ("lock_version", "abc", NOT_UNDERSTOOD), ("lock_version", ENORMOUS, NOT_UNDERSTOOD),
    ]
    state = lambda: assessment_content(fresh(Assessment, assessment.id))  # noqa: E731
    problems = bad_value_problems(client, f"/assessments/{assessment.id}", valid, cases, state)
    focal_point = as_user(client.application, make_user(PARTY_FOCAL_POINT, party_iso3="KEN"))
    problems += bad_value_problems(focal_point, f"/assessments/{assessment.id}/visibility", {},
                                   [("visibility", "everyone-and-their-dog",
                                     "Choose who may see the needs from the list.")], state, follow=True)
    problems += non_utf8_problems(client, f"/assessments/{assessment.id}", valid, [f"need-{area}-comment"], state)
    assert not problems, "\n".join(problems)


def test_bad_dates_of_a_cycle_are_refused_with_a_message(client):
    login(client, make_user(SECRETARIAT, party_iso3=None))
    cases = [(field, value, message) for field in ("opens_on", "closes_on", "reference_date")
             for value, message in DATE_CASES]
    problems = bad_value_problems(client, "/cycles/new", cycle_form(), cases, count(AssessmentCycle))
    problems += non_utf8_problems(client, "/cycles/new", cycle_form(), ["name"], count(AssessmentCycle))
    assert not problems, "\n".join(problems)


def test_bad_values_of_a_secretariat_value_are_refused_with_a_message(client):
    cycle = open_cycle()
    login(client, make_user(SECRETARIAT, party_iso3=None))
    code, percent_code = secretariat_value_code(), secretariat_value_code("percent")
    valid = {"action": "enter", "cycle": str(cycle.id), "value": "12", "source": "BCH statistics"}
    number = "Enter a number, such as 87 or 87.5."
    cases = [("value", "1e309", number), ("value", "NaN", number), ("value", "Infinity", number),
             ("value", "12abc", number), ("value", "-1", "The value cannot be negative."),
             ("value", "1" + "0" * 20, "This number is too large."), ("value", ENORMOUS, number),
             ("cycle", "999999", "Choose the cycle the value is for."), ("cycle", ENORMOUS,
                                                                          "Choose the cycle the value is for.")]
    state = count(entries.SecretariatValue)
    problems = bad_value_problems(client, f"/indicators/{code}/entries", valid, cases, state)
    problems += bad_value_problems(client, f"/indicators/{percent_code}/entries", valid,
                                   [("value", "100.5", "A percentage lies between 0 and 100.")], state)
    problems += non_utf8_problems(client, f"/indicators/{code}/entries", valid, ["source"], state)
    assert not problems, "\n".join(problems)


def test_unknown_choices_in_preferences_roles_and_profiles_are_refused_with_a_message(app, client):
    from tracker.notifications.services import preferences_of

    user = make_user(PARTY_EDITOR, party_iso3="KEN")
    login(client, user)
    from tracker.notifications.kinds import kinds_for

    problems = bad_value_problems(client, "/profile/notifications",
                                  {kind: "immediately" for kind in kinds_for(user)},
                                  [("cycle_opened", "hourly", NOT_A_CHOICE)], lambda: preferences_of(user))
    problems += bad_value_problems(client, "/profile", {"name": "Me", "locale": "en"},
                                   [("locale", "klingon", NOT_A_CHOICE)], lambda: fresh(User, user.id).locale)
    secretariat = as_user(app, make_user(SECRETARIAT, party_iso3=None))
    problems += bad_value_problems(secretariat, f"/admin/users/{user.id}", {"role": PARTY_EDITOR, "party": "KEN"},
                                   [("role", "emperor", NOT_A_CHOICE), ("party", "XXX", NOT_A_CHOICE),
                                    ("organisation", ENORMOUS, NOT_A_CHOICE)],
                                   lambda: fresh(User, user.id).role)
    organisation = make_organisation("Profiled", vetted=False)
    provider = as_user(app, make_user(PROVIDER, party_iso3=None, organisation=organisation))
    problems += bad_value_problems(provider, "/organisation", {"name": "Profiled", "type": "ngo"},
                                   [("type", "cartel", NOT_A_CHOICE), ("country", "XXX", NOT_A_CHOICE)],
                                   lambda: (fresh(Organisation, organisation.id).type, organisation.country_id))
    problems += bad_value_problems(app.test_client(), "/register/party", {
        "name": "New", "email": "new@example.org", "password": "x" * 12, "confirm": "x" * 12, "locale": "en",
        "party": "KEN"}, [("party", "XXX", NOT_A_CHOICE), ("locale", "xx", NOT_A_CHOICE)], count(User))
    assert not problems, "\n".join(problems)


def test_bad_ratings_and_reasons_in_match_steps_are_refused_with_a_message(app, ctx):
    pair = matched_pair()
    match = pair["match"]
    party_side, provider = as_user(app, pair["party_user"]), as_user(app, pair["provider"])
    state = lambda: (lambda m: (m.status, m.rating, m.lock_version))(fresh(Match, match.id))  # noqa: E731
    problems = bad_value_problems(party_side, f"/matches/{match.id}/decline",
                                  {"reason-lock_version": str(match.lock_version)},
                                  [("reason-reason", "bored", "Choose a reason from the list.")], state)
    for name in ("propose", "agree", "start"):
        assert step(party_side if name == "propose" else provider, match, name).status_code == 302
    delivery = {"delivery-title": "Course", "delivery-start_date": "2026-03-01",
                "delivery-lock_version": str(fresh(Match, match.id).lock_version)}
    problems += bad_value_problems(provider, f"/matches/{match.id}/deliver", delivery, [
        ("delivery-start_date", "2026-02-30", NOT_A_DATE), ("delivery-end_date", "9999-12-31", OUT_OF_RANGE_DATE),
        ("delivery-participants_women", "1e309", NOT_A_WHOLE_NUMBER),
        ("delivery-support_type", "bribery", NOT_A_CHOICE), ("delivery-activity", "12abc", "Invalid Choice")], state)
    assert step(provider, match, "deliver", delivery, prefix="delivery").status_code == 302
    version = str(fresh(Match, match.id).lock_version)
    rating = "Give a rating from 1 to 5."
    problems += bad_value_problems(party_side, f"/matches/{match.id}/confirm", {"confirm-lock_version": version}, [
        ("confirm-rating", value, rating) for value in ("0", "6", "-1", "1e309", HUGE, "NaN", "4.5", "")], state)
    assert not problems, "\n".join(problems)


def test_a_message_about_a_bad_value_is_in_the_user_s_language(client):
    login(client, make_user(PARTY_EDITOR, party_iso3="KEN"))
    client.post("/language", data={"csrf_token": csrf_token(client), "language": "zh"})
    response = post(client, "/activities/new", activity_form(start_date="9999-12-31"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<p class="error">请填写 2000 年至 2100 年之间的日期。</p>' in html
    assert count(Activity)() == 0


LIST_PAGES_WITH_NUMBERS = {"/activities": ["year", "page"], "/needs": ["cycle", "priority", "page"],
                           "/dashboard": ["cycle"], "/dashboard/public": ["cycle"], "/gaps": ["cycle"],
                           "/admin/audit": ["object_id", "page", "since"], "/offers": ["page", "organisation"],
                           "/matches": ["page", "offer"], "/matching/runs/compare": ["a", "b"],
                           "/notifications": ["page"], "/needs/heatmap": ["cycle"]}


def test_odd_numbers_and_bytes_in_query_strings_are_a_page_or_a_4xx(app, client):
    """Beyond tests/test_hostile_queries.py: digits that are not ASCII, more digits than Python reads, and
    bytes that are not UTF-8."""
    login(client, make_user(SECRETARIAT, party_iso3=None))
    open_cycle()  # so that a cycle argument is compared with the ids of cycles
    code = secretariat_value_code()
    failures = []
    for url, parameters in {**LIST_PAGES_WITH_NUMBERS, f"/indicators/{code}/entries": ["cycle"]}.items():
        for parameter in parameters:
            for value in ("²", "١٢", "１２", ENORMOUS, "-0", "0x10"):
                try:
                    status = client.get(url, query_string={parameter: value}).status_code
                except Exception as error:  # noqa: BLE001
                    status = repr(error)[:80]
                if status not in (200, 302, 400, 404):
                    failures.append((url, parameter, value[:8], status))
            response = client.get(f"{url}?{parameter}=%FF%FE")
            if response.status_code != 400 or NOT_UNDERSTOOD not in response.get_data(as_text=True):
                failures.append((url, parameter, "%FF%FE", response.status_code))
    assert not failures, "\n".join(map(str, failures))


def test_a_line_break_in_a_cycle_name_never_reaches_an_e_mail_header(app, client, monkeypatch):
    """A cycle name goes into the subject of the "cycle opened" e-mail; a forged form may put CR LF in it."""
    sent = []

    class RecordingSMTP:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            pass

        def send_message(self, message):
            sent.append(message)

    make_user(PARTY_FOCAL_POINT, party_iso3="KEN")
    login(client, make_user(SECRETARIAT, party_iso3=None))
    assert post(client, "/cycles/new", cycle_form(name="Mid-term\r\nBcc: everyone@example.org")).status_code == 302
    assert post(client, "/admin/jobs/cycle_reminders/run").status_code == 302
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.org")
    monkeypatch.setattr("tracker.mail.services.smtplib.SMTP", RecordingSMTP)
    from tracker.mail.services import deliver_pending

    assert deliver_pending() == 1
    (message,) = sent
    assert message["Subject"] == "The assessment cycle Mid-term Bcc: everyone@example.org is open"
    assert message["Bcc"] is None and "\n" not in only(OutboxMessage).subject


def test_an_offer_title_of_the_largest_allowed_length_goes_through_a_match_and_its_e_mail(app, ctx):
    """The provider is told "Match proposed: <title>" by e-mail at once; the subject must fit its column."""
    pair = matched_pair()
    provider = as_user(app, pair["provider"])
    longest = "Detection training " + "x" * 281
    response = post(provider, f"/offers/{pair['offer'].id}/edit", offer_form(
        title=longest, lock_version=str(pair["offer"].lock_version)))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert fresh(Offer, pair["offer"].id).title == longest and len(longest) == 300
    match = db.session.scalar(db.select(Match).where(Match.offer_id == pair["offer"].id))
    assert step(as_user(app, pair["party_user"]), match, "propose").status_code == 302
    subject = only(OutboxMessage).subject
    assert subject.startswith("Match proposed: Detection training xxx") and len(subject) <= 300


# =================================================================================================
# 6. Downloads are safe against formula injection
# =================================================================================================
FORMULAS = {
    "cycle": '=HYPERLINK("http://evil.example/","cycle")',
    "organisation": "@SUM(A1)",
    "offer": "+1+1",
    "contact": "-2+3@example.org",
    "comment": "=1+2",
    "activity": "\t=cmd|' /C calc'!A0",
    "funding_source": "\r=1",
    "results": "-2+3",
    "output": "+output",
    "delivery": "@delivered",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_cells(body: bytes) -> list[str]:
    """The cells of a CSV file as a spreadsheet reads them: a CR outside quotes ends the row, as LF does."""
    text = body.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def unsafe_cells(body: bytes, fmt: str) -> list[str]:
    """Cells a spreadsheet would run: a formula cell, or text starting with a formula character (a plain
    negative number aside) without the apostrophe that makes it text."""
    if fmt == "csv":
        cells = csv_cells(body)
        return [cell for cell in cells if cell.startswith(FORMULA_START) and not is_number(cell)]
    workbook = load_workbook(io.BytesIO(body))
    return [f"{sheet.title}!{cell.coordinate}={cell.value!r}" for sheet in workbook for row in sheet.iter_rows()
            for cell in row if cell.data_type == "f" or (isinstance(cell.value, str)
                                                         and cell.value.startswith(FORMULA_START)
                                                         and not is_number(cell.value))]


def one_line_breaks(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def texts_in(body: bytes, fmt: str) -> str:
    """Every cell, line breaks as "\n" (XML and CSV readers turn CR into LF)."""
    if fmt == "csv":
        return "\n".join(csv_cells(body))
    workbook = load_workbook(io.BytesIO(body))
    return one_line_breaks("\n".join(str(cell.value) for sheet in workbook for row in sheet.iter_rows()
                                      for cell in row))


def missing(names: list[str], text: str) -> list[str]:
    """The FORMULAS of `names` that the text does not hold as an inert copy (after an apostrophe); a service may
    have trimmed the text when it was saved."""
    return [name for name in names if not any("'" + one_line_breaks(variant) in text
                                              for variant in (FORMULAS[name], FORMULAS[name].strip()))]


@pytest.fixture
def formula_world(ctx):
    """Every text that reaches a download starts with a formula character."""
    cycle = open_cycle(FORMULAS["cycle"], days_left=30, opened=30)
    cycle.baseline = True
    assessment = make_assessment("KEN", cycle, {"A.8(1)": {
        "level": "high", "priority": 1, "comment": FORMULAS["comment"], "support_types": ["training"]}},
        visibility="public")
    organisation = make_organisation(FORMULAS["organisation"], vetted=True)
    offer = make_offer(organisation, title=FORMULAS["offer"], contact_email=FORMULAS["contact"],
                       key_areas=("A.8(2)",))
    make_offer(organisation, title="Offer in A.8(1)", key_areas=("A.8(1)",))
    now = utcnow()
    db.session.add_all([
        Activity(party=party("KEN"), party_role="organised", title=FORMULAS["activity"], status="completed",
                 start_date=date(2026, 3, 1), funding_source=FORMULAS["funding_source"], results=FORMULAS["results"],
                 outputs=[{"title": FORMULAS["output"], "url": "https://example.org/"}], support_type="training",
                 created_at=now, updated_at=now),
        Activity(organisation=organisation, title=FORMULAS["delivery"], status="completed", offer=offer,
                 start_date=date(2026, 3, 2), beneficiaries=[party("KEN")], created_at=now, updated_at=now),
    ])
    matching_services.refresh_party_suggestions(party("KEN").id)
    from tracker.indicators.services import compute_cycle

    compute_cycle(cycle, actor=None)
    db.session.commit()
    return {"cycle": cycle, "assessment": assessment}


def web_downloads(world) -> list[tuple[str, str, str, list[str]]]:
    """(who, address, format, the texts above it must hold) of every download of the web pages."""
    cycle, assessment = world["cycle"], world["assessment"]
    table = []
    for fmt in ("csv", "xlsx"):
        table += [
            ("secretariat", f"/activities/export?format={fmt}", fmt,
             ["activity", "funding_source", "results", "output", "delivery", "organisation"]),
            ("anonymous", f"/offers/export?format={fmt}", fmt, ["offer", "organisation", "contact"]),
            ("secretariat", f"/needs/export?format={fmt}&cycle={cycle.id}", fmt, ["comment", "cycle"]),
            ("secretariat", f"/needs/heatmap/export?format={fmt}&cycle={cycle.id}", fmt, []),
            ("anonymous", f"/gaps/export?format={fmt}", fmt, ["cycle"]),
            ("party", f"/assessments/{assessment.id}/needs?format={fmt}", fmt, ["comment", "cycle"]),
            ("secretariat", f"/cycles/{cycle.id}?format={fmt}", fmt, []),
            ("secretariat", f"/cycles/{cycle.id}?table=needs&format={fmt}", fmt, ["comment", "cycle"]),
        ]
    table += [("secretariat", f"/dashboard/{name}.csv?cycle={cycle.id}", "csv", [])
              for name in ("submissions", "submissions-by-month", "heatmap", "unmet-demand", "funnel", "step-days",
                           "activities", "indicators")]
    table += [("anonymous", f"/dashboard/public/{name}.csv?cycle={cycle.id}", "csv", [])
              for name in ("submissions", "submissions-by-month", "heatmap", "unmet-demand", "funnel", "step-days",
                           "activities", "indicators")]
    table += [("party", f"/assessments/{assessment.id}/template.xlsx", "xlsx", ["comment"])]
    return table


def test_every_web_download_keeps_formulas_inert(app, formula_world):
    clients = {"anonymous": app.test_client(), "secretariat": as_user(app, make_user(SECRETARIAT, party_iso3=None)),
               "party": as_user(app, make_user(PARTY_FOCAL_POINT, party_iso3="KEN"))}
    problems, names_with_a_cycle = [], 0
    for who, url, fmt, expected in web_downloads(formula_world):
        response = clients[who].get(url)
        if response.status_code != 200:
            problems.append(f"{url}: {response.status_code}")
            continue
        problems += [f"{url}: {cell!r}" for cell in unsafe_cells(response.data, fmt)]
        text = texts_in(response.data, fmt)
        problems += [f"{url}: no inert {FORMULAS[name]!r}" for name in missing(expected, text)]
        names_with_a_cycle += "'" + FORMULAS["cycle"] in text
    assert not problems, "\n".join(problems)
    assert names_with_a_cycle >= 10  # the cycle's name, escaped, in most downloads, the dashboards' among them


def test_json_downloads_keep_the_texts_as_they_are(app, formula_world):
    secretariat = as_user(app, make_user(SECRETARIAT, party_iso3=None))
    activities = json.loads(secretariat.get("/activities/export?format=json").data)
    assert {row["title"] for row in activities} == {FORMULAS["activity"], FORMULAS["delivery"]}
    offers = json.loads(app.test_client().get("/offers/export?format=json").data)
    assert FORMULAS["offer"] in {row["title"] for row in offers}
    needs = json.loads(secretariat.get(f"/needs/export?format=json&cycle={formula_world['cycle'].id}").data)
    assert [row["comment"] for row in needs] == [FORMULAS["comment"]]


@pytest.mark.parametrize("command", ["activities", "offers", "needs", "assessments", "matches", "indicators"])
def test_every_command_line_export_keeps_formulas_inert(runner, formula_world, command):
    expected = {"activities": ["activity", "results"], "offers": ["offer", "organisation"],
                "needs": ["comment", "cycle"], "assessments": ["cycle"], "matches": ["organisation"],
                "indicators": ["cycle"]}[command]
    for fmt in ("csv", "xlsx"):
        result = runner.invoke(args=["export", command, "--format", fmt])
        assert result.exit_code == 0, result.output
        assert unsafe_cells(result.stdout_bytes, fmt) == []
        text = texts_in(result.stdout_bytes, fmt)
        assert missing(expected, text) == []
