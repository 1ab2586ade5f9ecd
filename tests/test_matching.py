"""Matching as its users meet it: suggestions that appear when a need or an offer is saved, with reasons in
words; the workflow from proposal to rating, who may take each step and the steps refused; the rule that a
declined pair never comes back; the global allocation, its history and its all-or-nothing run; the export."""
import itertools
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import counting_queries, login, make_organisation, make_user, party, post
from tests.test_needs_explorer import make_assessment, make_cycle
from tests.test_offers import make_offer
from tracker.accounts.models import PARTY_EDITOR, PARTY_FOCAL_POINT, PROVIDER, SECRETARIAT
from tracker.activities.models import Activity
from tracker.api.services import create_token
from tracker.assessments import services as assessment_services
from tracker.assessments.models import DRAFT, Need
from tracker.audit.models import AuditEntry
from tracker.clock import today, utcnow
from tracker.extensions import db
from tracker.matching import allocation, services
from tracker.matching.models import (
    AGREED, CLOSED, DECLINED, DELIVERED, DELIVERING, PROPOSED, RUN_FAILED, RUN_SUCCEEDED, SUGGESTED, WITHDRAWN,
    Match, MatchRun,
)
from tracker.offers import services as offer_services


# --- data -----------------------------------------------------------------------------------------

_numbers = itertools.count(1)


def kenya_needs(visibility="providers", **need_fields):
    """Kenya's submitted assessment: a high, priority-1 need in A.8(1) for training in English."""
    cycle = make_cycle()
    fields = {"level": "high", "priority": 1, "support_types": ["training"], "languages": ["en"],
              "modality": "in_person", **need_fields}
    return make_assessment("KEN", cycle, {"A.8(1)": fields, "A.5(1)": "low"}, visibility=visibility)


def lab_offer(organisation=None, **fields):
    organisation = organisation or make_organisation(f"Lab Network {next(_numbers)}", vetted=True)
    values = dict(key_areas=("A.8(1)",), support_types=("training",), languages=("en", "fr"), capacity=3,
                  modality="hybrid")
    values.update(fields)
    return make_offer(organisation, **values)


def suggestions(**where) -> list[Match]:
    query = select(Match).where(Match.status == SUGGESTED)
    for name, value in where.items():
        query = query.where(getattr(Match, name) == value)
    return list(db.session.scalars(query.order_by(Match.id)))


def refreshed_pair():
    """Kenya's need, an open offer, and the suggestion the Party's refresh made of them."""
    assessment = kenya_needs()
    offer = lab_offer()
    services.refresh_party_suggestions(party("KEN").id)
    db.session.commit()
    (match,) = suggestions(offer_id=offer.id)
    return assessment, offer, match


def people(offer):
    return {
        "party": make_user(PARTY_FOCAL_POINT, party_iso3="KEN"),
        "provider": make_user(PROVIDER, party_iso3=None, organisation=offer.organisation),
        "other_party": make_user(PARTY_EDITOR, party_iso3="PER"),
        "other_provider": make_user(PROVIDER, party_iso3=None, organisation=make_organisation("Other", vetted=True)),
        "secretariat": make_user(SECRETARIAT, party_iso3=None),
    }


def as_user(app, user):
    client = app.test_client()
    login(client, user)
    return client


def step(client, match, name, data=None, prefix=None):
    """POST a workflow step from the match page, with the version the page showed."""
    db.session.refresh(match)
    data = dict(data or {})
    version_field = f"{prefix}-lock_version" if prefix else "lock_version"
    data.setdefault(version_field, match.lock_version)
    return post(client, f"/matches/{match.id}/{name}", data)


def status_of(match) -> str:
    db.session.expire_all()
    return db.session.get(Match, match.id).status


# --- suggestions ------------------------------------------------------------------------------------

def test_submitting_an_assessment_suggests_the_offers_that_fit_its_needs_at_once(ctx):
    offer = lab_offer()
    other_area = lab_offer(title="Risk assessment course", key_areas=("A.3(1)",))
    cycle = make_cycle()
    assessment = make_assessment("KEN", cycle, {"A.8(1)": {"level": "high", "priority": 1, "languages": ["en"]}},
                                 status=DRAFT)
    focal_point = make_user(PARTY_FOCAL_POINT, party_iso3="KEN")
    assert suggestions() == []

    assessment_services.submit_assessment(assessment, actor=focal_point)
    db.session.commit()

    (match,) = suggestions()
    assert (match.offer_id, match.party.iso3, match.key_area.code) == (offer.id, "KEN", "A.8(1)")
    assert match.need_id == assessment.needs[0].id
    assert not suggestions(offer_id=other_area.id)
    # A high need of priority 1 weighs 3 × 3; the components are each within [0, 1].
    assert 0 < match.score <= 9
    assert set(match.components) == {"support_type", "audience", "modality", "examples", "language"}


def test_publishing_an_offer_suggests_it_for_every_need_it_fits(ctx):
    kenya_needs()
    organisation = make_organisation("Provider", vetted=True)
    provider = make_user(PROVIDER, party_iso3=None, organisation=organisation)
    offer = lab_offer(organisation, status="draft")
    assert suggestions() == []

    offer_services.publish_offer(offer, actor=provider)
    db.session.commit()
    assert [m.party.iso3 for m in suggestions(offer_id=offer.id)] == ["KEN"]

    offer_services.close_offer(offer, actor=provider)
    db.session.commit()
    assert suggestions(offer_id=offer.id) == []


@pytest.mark.parametrize("offer_fields, reason", [
    ({"eligible_all": False, "eligible_sids": True}, "Kenya is not a SIDS"),
    ({"languages": ("fr",)}, "no shared language"),
    ({"closes_on": today() - timedelta(days=1)}, "the window has ended"),
    ({"key_areas": ("A.5(2)",)}, "another key area"),
    ({"status": "draft"}, "not published"),
])
def test_an_offer_failing_a_hard_filter_is_not_suggested(ctx, offer_fields, reason):
    kenya_needs()
    offer = lab_offer(**offer_fields)
    services.refresh_party_suggestions(party("KEN").id)
    assert suggestions(offer_id=offer.id) == [], reason


def test_an_offer_whose_capacity_is_taken_is_not_suggested(ctx):
    kenya_needs()
    offer = lab_offer(capacity=1)
    db.session.add(Activity(organisation=offer.organisation, title="Done", status="completed", offer=offer,
                            beneficiaries=[party("PER")], created_at=utcnow(), updated_at=utcnow()))
    db.session.commit()
    services.refresh_party_suggestions(party("KEN").id)
    assert suggestions(offer_id=offer.id) == []


def test_the_party_sees_each_need_with_its_suggested_offers_and_the_reasons_in_words(app, ctx):
    kenya_needs(audiences=["laboratory_staff"])
    offer = lab_offer(eligible_all=False, eligible_groups=["african"], audiences=["laboratory_staff"])
    services.refresh_party_suggestions(party("KEN").id)
    db.session.commit()
    client = as_user(app, make_user(PARTY_EDITOR, party_iso3="KEN"))

    html = client.get("/matches").get_data(as_text=True)
    assert offer.title in html
    for reason in ("Covers A.8(1)", "Eligible as a member of the African Group", "English shared",
                   "Training wanted and offered", "In person preferred, Hybrid offered", "Reaches Laboratory staff"):
        assert reason in html
    assert "Score components" in html and "Type of support" in html


def test_a_provider_sees_suggested_needs_only_where_the_party_lets_providers_see_them(app, ctx):
    kenya_needs(visibility="secretariat")
    offer = lab_offer()
    services.refresh_party_suggestions(party("KEN").id)
    db.session.commit()
    (match,) = suggestions()
    provider = as_user(app, make_user(PROVIDER, party_iso3=None, organisation=offer.organisation))
    kenya = as_user(app, make_user(PARTY_EDITOR, party_iso3="KEN"))

    assert "Kenya" not in provider.get("/matches").get_data(as_text=True)
    assert provider.get(f"/matches/{match.id}").status_code == 404
    assert offer.title in kenya.get("/matches").get_data(as_text=True)

    # Once the Party proposes the pair, the provider sees it: the Party chose to show it.
    assert step(kenya, match, "propose").status_code == 302
    assert status_of(match) == PROPOSED
    assert "Kenya" in provider.get("/matches").get_data(as_text=True)
    assert provider.get(f"/matches/{match.id}").status_code == 200


def test_a_provider_of_an_organisation_not_yet_vetted_sees_no_suggestion(app, ctx):
    kenya_needs()
    organisation = make_organisation("Unvetted", vetted=False)
    offer = lab_offer(organisation)
    services.refresh_party_suggestions(party("KEN").id)
    db.session.commit()
    client = as_user(app, make_user(PROVIDER, party_iso3=None, organisation=organisation))
    html = client.get("/matches").get_data(as_text=True)
    assert "once the Secretariat has vetted Unvetted" in html
    assert "Kenya" not in html
    assert client.get(f"/matches/{suggestions()[0].id}").status_code == 404


# --- the workflow ------------------------------------------------------------------------------------

def test_the_whole_workflow_from_proposal_to_rating(app, ctx):
    __, offer, match = refreshed_pair()
    users = people(offer)
    kenya, provider = as_user(app, users["party"]), as_user(app, users["provider"])

    assert step(kenya, match, "propose").status_code == 302
    assert status_of(match) == PROPOSED
    assert "The Party proposed this match" in provider.get(f"/matches/{match.id}").get_data(as_text=True)

    assert step(provider, match, "agree").status_code == 302
    assert status_of(match) == AGREED
    assert step(provider, match, "start").status_code == 302
    assert status_of(match) == DELIVERING

    response = step(provider, match, "deliver", {
        "delivery-title": "Detection course, Nairobi", "delivery-start_date": "2026-10-01",
        "delivery-end_date": "2026-10-05", "delivery-support_type": "training", "delivery-participants_women": "7",
        "delivery-participants_men": "5"}, prefix="delivery")
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    match = db.session.get(Match, match.id)
    assert match.status == DELIVERED
    activity = match.activity
    assert activity.title == "Detection course, Nairobi" and activity.organisation_id == offer.organisation_id
    assert [p.iso3 for p in activity.beneficiaries] == ["KEN"]
    assert [a.code for a in activity.key_areas] == ["A.8(1)"]
    assert (activity.support_type, activity.offer_id, activity.participants_total) == ("training", offer.id, 12)

    response = step(kenya, match, "confirm", {"confirm-rating": "4", "confirm-feedback": "Very practical."},
                    prefix="confirm")
    assert response.status_code == 302
    db.session.expire_all()
    match = db.session.get(Match, match.id)
    assert (match.status, match.rating, match.feedback) == (CLOSED, 4, "Very practical.")
    html = kenya.get(f"/matches/{match.id}").get_data(as_text=True)
    assert "rated it 4 out of 5" in html and "Confirmed and rated" in html

    actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "Match")
                                      .order_by(AuditEntry.id)))
    assert actions == ["match.propose", "match.agree", "match.start_delivery", "match.deliver", "match.confirm"]


def test_a_provider_may_propose_and_link_an_activity_it_already_recorded(app, ctx):
    __, offer, match = refreshed_pair()
    users = people(offer)
    kenya, provider = as_user(app, users["party"]), as_user(app, users["provider"])
    recorded = Activity(organisation=offer.organisation, title="Regional workshop", status="completed",
                        beneficiaries=[party("UGA")], created_at=utcnow(), updated_at=utcnow())
    db.session.add(recorded)
    db.session.commit()

    step(provider, match, "propose")
    assert "The provider proposed this match" in kenya.get(f"/matches/{match.id}").get_data(as_text=True)
    step(kenya, match, "agree")
    response = step(provider, match, "deliver", {"delivery-activity": str(recorded.id)}, prefix="delivery")
    assert response.status_code == 302
    db.session.expire_all()
    recorded = db.session.get(Activity, recorded.id)
    assert sorted(p.iso3 for p in recorded.beneficiaries) == ["KEN", "UGA"]
    assert "A.8(1)" in [a.code for a in recorded.key_areas] and recorded.offer_id == offer.id
    assert recorded.support_type == "training"  # wanted by the need and given by the offer
    assert db.session.get(Match, match.id).status == DELIVERED


@pytest.mark.parametrize("who, status, name, data, message", [
    ("provider", PROPOSED, "agree", {}, "You proposed this match"),      # proposed by the provider itself
    ("party", SUGGESTED, "agree", {}, "This match is now “Suggested”"),
    ("party", AGREED, "deliver", {"delivery-title": "x"}, None),         # only the provider records delivery
    ("provider", DELIVERED, "confirm", {"confirm-rating": "5"}, None),    # only the Party confirms
    ("party", DELIVERED, "confirm", {}, "Give a rating from 1 to 5."),
    ("party", DELIVERED, "confirm", {"confirm-rating": "9"}, "Give a rating from 1 to 5."),
    ("party", SUGGESTED, "decline", {}, "Choose a reason from the list."),
    ("party", SUGGESTED, "decline", {"reason-reason": "other"}, "Say in a few words why."),
    ("party", CLOSED, "propose", {}, "This match is now “Closed”"),
])
def test_refused_steps_change_nothing_and_say_why(app, ctx, who, status, name, data, message):
    __, offer, match = refreshed_pair()
    users = people(offer)
    match.status = status
    match.proposed_by = "provider" if status == PROPOSED else match.proposed_by
    db.session.commit()
    client = as_user(app, users[who])
    prefix = {"deliver": "delivery", "confirm": "confirm", "decline": "reason"}.get(name)
    response = step(client, match, name, data, prefix=prefix)
    if message is None:
        assert response.status_code == 403
    else:
        page = response.get_data(as_text=True) if response.status_code != 302 else \
            client.get(response.headers["Location"]).get_data(as_text=True)
        assert message in page
    assert status_of(match) == status
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.object_type == "Match")) == 0


def test_users_of_other_parties_and_organisations_cannot_see_or_act_on_a_match(app, ctx):
    __, offer, match = refreshed_pair()
    users = people(offer)
    for who in ("other_party", "other_provider"):
        client = as_user(app, users[who])
        assert client.get(f"/matches/{match.id}").status_code == 404
        assert step(client, match, "propose").status_code == 404
    assert status_of(match) == SUGGESTED
    secretariat = as_user(app, users["secretariat"])
    assert secretariat.get(f"/matches/{match.id}").status_code == 200
    assert step(secretariat, match, "propose").status_code == 302
    assert status_of(match) == SUGGESTED  # the Secretariat watches; it does not act for either side


def test_a_step_based_on_an_old_page_is_refused(app, ctx):
    __, offer, match = refreshed_pair()
    users = people(offer)
    kenya, provider = as_user(app, users["party"]), as_user(app, users["provider"])
    old_version = match.lock_version
    step(kenya, match, "propose")
    response = post(provider, f"/matches/{match.id}/decline",
                    {"reason-reason": "timing", "reason-lock_version": old_version})
    assert "Someone acted on this match after you opened it" in response.get_data(as_text=True)
    assert status_of(match) == PROPOSED


def test_a_declined_pair_is_never_suggested_again(app, ctx):
    __, offer, match = refreshed_pair()
    users = people(offer)
    provider = as_user(app, users["provider"])
    response = step(provider, match, "decline", {"reason-reason": "timing", "reason-comment": "Next year."},
                    prefix="reason")
    assert response.status_code == 302
    db.session.expire_all()
    match = db.session.get(Match, match.id)
    assert (match.status, match.declined_by, match.decline_reason, match.decline_comment) == (
        DECLINED, "provider", "timing", "Next year.")

    services.refresh_party_suggestions(party("KEN").id)
    services.refresh_offer_suggestions(offer.id)
    services.run_allocation(actor=users["secretariat"])
    db.session.commit()
    pairs = db.session.scalars(select(Match).where(Match.offer_id == offer.id)).all()
    assert [(m.id, m.status) for m in pairs] == [(match.id, DECLINED)]


def test_the_proposer_withdraws_and_either_side_may_leave_an_agreed_match(app, ctx):
    __, offer, match = refreshed_pair()
    users = people(offer)
    kenya, provider = as_user(app, users["party"]), as_user(app, users["provider"])
    step(kenya, match, "propose")
    step(provider, match, "agree")
    response = step(kenya, match, "withdraw", {"reason-reason": "covered"}, prefix="reason")
    assert response.status_code == 302
    assert status_of(match) == WITHDRAWN


def test_agreeing_is_refused_when_the_offer_has_no_place_left(app, ctx):
    __, offer, match = refreshed_pair()
    users = people(offer)
    offer.capacity = 1
    # Peru holds the only place with an agreed match.
    db.session.add(Match(party=party("PER"), key_area=match.key_area, offer=offer, status=AGREED, score=1.0,
                         components={}, created_at=utcnow(), step_at=utcnow()))
    match.status, match.proposed_by = PROPOSED, "party"
    db.session.commit()
    provider = as_user(app, users["provider"])
    response = step(provider, match, "agree")
    assert "no capacity left" in provider.get(response.headers["Location"]).get_data(as_text=True)
    assert status_of(match) == PROPOSED


def test_matches_without_a_step_for_30_days_show_amber_and_after_60_red(app, ctx):
    __, offer, match = refreshed_pair()
    users = people(offer)
    match.status, match.proposed_by = PROPOSED, "party"
    match.step_at = utcnow() - timedelta(days=35)
    db.session.commit()
    kenya = as_user(app, users["party"])
    html = kenya.get("/matches").get_data(as_text=True)
    assert "age-amber" in html and "No step for 35 days" in html and "age-red" not in html

    match.step_at = utcnow() - timedelta(days=61)
    db.session.commit()
    html = kenya.get("/matches").get_data(as_text=True)
    assert "age-red" in html and "No step for 61 days" in html


# --- the global allocation ---------------------------------------------------------------------------

def test_the_secretariat_runs_the_allocation_and_sees_the_history(app, ctx):
    kenya_needs()
    make_assessment("UGA", db.session.scalars(select(Need)).first().assessment.cycle,
                    {"A.8(1)": {"level": "medium", "priority": 2}})
    offer = lab_offer(capacity=1)
    secretariat = make_user(SECRETARIAT, party_iso3=None)
    client = as_user(app, secretariat)

    response = post(client, "/matching/runs")
    assert response.status_code == 302
    run = db.session.scalars(select(MatchRun)).one()
    assert (run.status, run.needs, run.offers, run.served, run.started_by_id) == (
        RUN_SUCCEEDED, 3, 1, 1, secretariat.id)
    allocated = db.session.scalars(select(Match).where(Match.allocated.is_(True))).all()
    # Capacity 1: the offer goes to one Party only, Kenya's heavier need (high × priority 1).
    assert [(m.party.iso3, m.run_id, m.offer_id) for m in allocated] == [("KEN", run.id, offer.id)]
    assert len(suggestions(offer_id=offer.id)) == 2  # Uganda's pair stays a plain suggestion

    kenya = as_user(app, make_user(PARTY_EDITOR, party_iso3="KEN"))
    assert "Suggested by allocation" in kenya.get("/matches").get_data(as_text=True)

    post(client, "/matching/runs")
    html = client.get("/matching/runs").get_data(as_text=True)
    first, second = db.session.scalars(select(MatchRun.id).order_by(MatchRun.id)).all()
    assert f"#{first}" in html and f"#{second}" in html
    html = client.get(f"/matching/runs/compare?a={first}&b={second}").get_data(as_text=True)
    assert f"Compare runs #{first} and #{second}" in html and "Lowest Party share" in html


def test_a_failed_run_keeps_the_previous_suggestions_and_is_recorded(app, ctx, monkeypatch):
    __, offer, match = refreshed_pair()
    before = [(m.id, m.score, m.allocated) for m in suggestions()]

    def broken(*args, **kwargs):
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(allocation, "allocate", broken)
    result = services.run_allocation(actor=None)
    db.session.commit()
    assert result.run.status == RUN_FAILED and "solver crashed" in result.run.error
    assert [(m.id, m.score, m.allocated) for m in suggestions()] == before
    assert db.session.scalars(select(MatchRun.status)).all() == [RUN_FAILED]


def test_only_the_secretariat_runs_and_reads_the_allocation(app, ctx):
    __, offer, __ = refreshed_pair()
    users = people(offer)
    for who in ("party", "provider"):
        client = as_user(app, users[who])
        assert client.get("/matching/runs").status_code == 403
        assert post(client, "/matching/runs").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(MatchRun)) == 0
    assert app.test_client().get("/matches").status_code == 302  # to the login page


def test_match_run_command_and_export_contract(app, ctx, runner):
    refreshed_pair()
    result = runner.invoke(args=["match", "run"])
    assert result.exit_code == 0, result.output
    assert "needs allocated" in result.output

    result = runner.invoke(args=["export", "matches", "--format", "json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert {"id", "party", "key_area", "need_id", "offer_id", "status", "score", "components", "run",
            "allocated"} <= set(row)
    assert (row["party"], row["key_area"], row["status"], row["allocated"]) == ("KEN", "A.8(1)", SUGGESTED, True)
    assert row["run"] == db.session.scalar(select(MatchRun.id))
    assert set(row["components"]) == {"support_type", "audience", "modality", "examples", "language"}

    result = runner.invoke(args=["export", "matches", "--format", "csv"])
    assert result.exit_code == 0 and "KEN" in result.output


def test_a_proposal_expires_when_its_offer_closes(app, ctx):
    __, offer, match = refreshed_pair()
    users = people(offer)
    kenya = as_user(app, users["party"])
    step(kenya, match, "propose")
    offer.closes_on = today() - timedelta(days=1)
    db.session.commit()

    assert offer_services.close_finished_offers(today()) == 1
    db.session.commit()
    assert status_of(match) == "expired"
    html = kenya.get(f"/matches/{match.id}").get_data(as_text=True)
    assert "Expired: the offer is no longer open" in html and "there is no step left" in html


def test_the_matching_pages_read_a_fixed_number_of_queries_whatever_the_rows(app, ctx):
    cycle = make_cycle()
    make_assessment("KEN", cycle, {"A.8(1)": "high", "A.8(2)": "medium"})
    organisation = make_organisation("Many offers", vetted=True)
    users = {"party": make_user(PARTY_EDITOR, party_iso3="KEN"),
             "provider": make_user(PROVIDER, party_iso3=None, organisation=organisation),
             "secretariat": make_user(SECRETARIAT, party_iso3=None)}
    clients = {who: as_user(app, user) for who, user in users.items()}

    def counts():
        services.run_allocation(actor=None)
        db.session.commit()
        result = {}
        for who, client in clients.items():
            client.get("/matches")  # warm up
            with counting_queries() as statements:
                assert client.get("/matches").status_code == 200
            result[who] = len(statements)
        return result

    lab_offer(organisation, key_areas=("A.8(1)",))
    few = counts()
    for code in ("A.8(1)", "A.8(2)", "A.8(1)", "A.8(2)"):
        lab_offer(organisation, key_areas=(code,), eligible_all=False, eligible_groups=["african"],
                  eligible_parties=("KEN",))
    for iso3 in ("UGA", "TZA", "PER"):
        make_assessment(iso3, cycle, {"A.8(1)": "medium", "A.8(2)": "high"})
    assert db.session.scalar(select(func.count()).select_from(Match)) <= 2
    many = counts()
    assert db.session.scalar(select(func.count()).select_from(Match)) > 10
    assert many == few


def test_the_secretariat_sees_the_funnel_and_the_matches_past_the_suggestions(app, ctx):
    __, offer, match = refreshed_pair()
    other = lab_offer(title="Second lab offer")
    services.refresh_party_suggestions(party("KEN").id)
    db.session.commit()
    users = people(offer)
    step(as_user(app, users["party"]), match, "propose")
    client = as_user(app, users["secretariat"])

    html = client.get("/matches").get_data(as_text=True)
    assert "Matches past the suggestions" in html and offer.title in html and other.title not in html
    html = client.get("/matches?status=suggested").get_data(as_text=True)
    assert other.title in html and offer.title not in html


def test_a_provider_sees_the_ten_best_needs_per_offer_and_all_of_them_on_the_offer_s_own_list(app, ctx):
    cycle = make_cycle()
    isos = ["UGA", "TZA", "RWA", "BDI", "ETH", "SOM", "SDN", "MWI", "ZMB", "MOZ", "ZWE", "NGA"]
    for rank, iso3 in enumerate(isos):
        make_assessment(iso3, cycle, {"A.8(1)": {"level": "high" if rank < 6 else "low", "priority": 1}})
    offer = lab_offer()
    services.refresh_offer_suggestions(offer.id)
    db.session.commit()
    client = as_user(app, make_user(PROVIDER, party_iso3=None, organisation=offer.organisation))

    html = client.get("/matches").get_data(as_text=True)
    assert html.count('class="suggestion"') == 10 and "All 12 suggestions for this offer" in html
    html = client.get(f"/matches?offer={offer.id}").get_data(as_text=True)
    assert html.count('class="suggestion"') == 12 and "Back to the suggestions for every offer" in html


def test_while_a_party_redrafts_its_assessment_the_provider_still_sees_the_need_as_submitted(app, ctx):
    assessment = kenya_needs(comment="Submitted: two lab technicians")
    offer = lab_offer()
    services.refresh_party_suggestions(party("KEN").id)
    db.session.commit()
    (match,) = suggestions(offer_id=offer.id)
    users = people(offer)
    kenya, provider = as_user(app, users["party"]), as_user(app, users["provider"])
    assert step(kenya, match, "propose").status_code == 302

    assessment_services.reopen_assessment(assessment, actor=users["party"])
    need = next(need for need in assessment.needs if need.key_area.code == "A.8(1)")
    need.level, need.priority, need.comment = "low", 3, "Draft: not sure yet"
    db.session.commit()

    page = provider.get(f"/matches/{match.id}").get_data(as_text=True)
    assert "Submitted: two lab technicians" in page and "Draft: not sure yet" not in page
    _token, secret = create_token(users["provider"], "script", actor=users["provider"])
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    assert provider.get(f"/api/v1/matches/{match.id}", headers=headers).get_json()["need"] == {
        "level": "high", "priority": 1}
    # The Party's own users see their draft.
    assert "Draft: not sure yet" in kenya.get(f"/matches/{match.id}").get_data(as_text=True)
