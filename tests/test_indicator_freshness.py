"""Stored indicator values follow the data: a change marks the cycles it affects in the same transaction, the
pages say so, and a recomputation (the scheduler's, or the Secretariat's "Recompute now") takes it in."""
from datetime import timedelta

from sqlalchemy import select

from tests.conftest import csrf_token, login, make_user, post
from tests.test_indicators import completed, small_rules  # noqa: F401  (a fixture)
from tests.test_needs_explorer import make_assessment, make_cycle
from tracker.accounts.models import PARTY_EDITOR, PARTY_FOCAL_POINT, SECRETARIAT
from tracker.assessments.models import DRAFT
from tracker.assessments.services import reopen_assessment, submit_assessment
from tracker.audit.models import AuditEntry
from tracker.clock import today
from tracker.extensions import db
from tracker.indicators.freshness import pending_changes, refresh_stale
from tracker.indicators.models import IndicatorValue
from tracker.indicators.services import compute_cycle
from tracker.notifications.kinds import INDICATORS_RECOMPUTED
from tracker.notifications.models import Notification


def fresh(*cycles):
    for cycle in cycles:
        compute_cycle(cycle)
    db.session.commit()
    assert pending_changes() == {}


def global_value(code, cycle):
    return db.session.scalar(select(IndicatorValue).where(
        IndicatorValue.code == code, IndicatorValue.cycle_id == cycle.id, IndicatorValue.scope == "global"))


def test_submitting_or_reopening_an_assessment_marks_its_cycle_and_editing_a_draft_does_not(ctx, small_rules):
    earlier = make_cycle("Baseline", opens_on=today() - timedelta(days=400))
    cycle = make_cycle()
    kenya = make_assessment("KEN", cycle, {"A.1(1)": "high"}, status=DRAFT)
    fresh(earlier, cycle)

    kenya.needs[0].level = "medium"
    db.session.commit()
    assert pending_changes() == {}, "a draft counts for nothing, so editing one changes no value"

    focal_point = make_user(PARTY_FOCAL_POINT, party_iso3="KEN")
    submit_assessment(kenya, actor=focal_point)
    db.session.commit()
    assert set(pending_changes()) == {cycle.id}
    assert global_value("B.1(a)", cycle).numerator == 0, "stored values stay until recomputed"

    secretariat = make_user(SECRETARIAT, party_iso3=None)
    assert refresh_stale() == 1
    db.session.commit()
    assert pending_changes() == {}
    assert global_value("B.1(a)", cycle).numerator == 1
    told = db.session.scalars(select(Notification).where(Notification.user_id == secretariat.id)).all()
    assert [(n.kind, n.params["cycle"]) for n in told] == [(INDICATORS_RECOMPUTED, cycle.name)]

    reopen_assessment(kenya, actor=focal_point)
    db.session.commit()
    assert set(pending_changes()) == {cycle.id}
    assert refresh_stale() == 1
    db.session.commit()
    assert global_value("B.1(a)", cycle).numerator == 0
    assert refresh_stale() == 0, "nothing left to recompute"


def test_an_activity_marks_the_cycles_closing_after_it_ended_and_an_undated_one_marks_all(ctx, small_rules):
    earlier = make_cycle("Baseline", opens_on=today() - timedelta(days=400))
    cycle = make_cycle()
    fresh(earlier, cycle)

    activity = completed(["KEN"], end=cycle.opens_on)  # after the baseline closed
    assert set(pending_changes()) == {cycle.id}
    fresh(cycle)

    activity.end_date = earlier.opens_on  # moved back into the baseline: both cycles count it now
    db.session.commit()
    assert set(pending_changes()) == {earlier.id, cycle.id}
    fresh(earlier, cycle)

    activity.title = "Course, second edition"
    db.session.commit()
    assert set(pending_changes()) == {earlier.id, cycle.id}, "any change may matter to a rule"
    fresh(earlier, cycle)

    completed(["UGA"], end=None)
    assert set(pending_changes()) == {earlier.id, cycle.id}
    fresh(earlier, cycle)

    db.session.delete(activity)
    db.session.commit()
    assert set(pending_changes()) == {earlier.id, cycle.id}


def test_a_change_made_while_a_cycle_is_computed_is_kept_for_the_next_run(ctx, small_rules, monkeypatch):
    cycle = make_cycle()
    fresh(cycle)
    completed(["KEN"], end=cycle.opens_on)
    import tracker.indicators.services as services

    load_facts = services.load_facts

    def change_meanwhile(the_cycle):
        facts = load_facts(the_cycle)
        # Another user records an activity after this computation read the data.
        completed(["UGA"], end=cycle.opens_on)
        return facts

    monkeypatch.setattr(services, "load_facts", change_meanwhile)
    assert refresh_stale() == 1
    db.session.commit()
    assert set(pending_changes()) == {cycle.id}, "the activity recorded meanwhile is not in the values yet"


def test_the_pages_say_when_data_changed_and_the_secretariat_can_recompute_at_once(app, ctx, client, small_rules):
    cycle = make_cycle()
    fresh(cycle)
    make_assessment("KEN", cycle, {"A.1(1)": "high"})
    assert set(pending_changes()) == {cycle.id}

    editor = make_user(PARTY_EDITOR)
    login(client, editor)
    page = client.get("/indicators/B.1(a)").get_data(as_text=True)
    assert "The data behind them changed on" in page
    assert "Recompute now" not in page, "only the Secretariat has the button"
    assert post(client, "/indicators/recompute").status_code == 403
    assert set(pending_changes()) == {cycle.id}
    client.post("/logout", data={"csrf_token": csrf_token(client)})

    login(client, make_user(SECRETARIAT, party_iso3=None))
    page = client.get("/indicators").get_data(as_text=True)
    assert "Recompute now" in page
    refused = client.post("/indicators/recompute", data={"next": "/indicators"})
    assert refused.status_code == 400, "no CSRF token, nothing done"
    assert set(pending_changes()) == {cycle.id}

    response = post(client, "/indicators/recompute", {"next": "/indicators/B.1(a)"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.request.path == "/indicators/B.1(a)"
    assert "1 cycle recomputed." in page
    assert "The data behind them changed on" not in page
    assert pending_changes() == {}
    db.session.expire_all()
    assert global_value("B.1(a)", cycle).numerator == 1
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "indicators.compute")
                             .order_by(AuditEntry.id.desc())).actor_id is not None
