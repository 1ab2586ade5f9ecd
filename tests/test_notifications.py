"""Notifications in the app and by e-mail: who is told what, once, in their language, as often as they chose;
the bell, the list and the preferences; delivery over SMTP or kept in the outbox."""
import socket
from datetime import datetime, time, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from tests.conftest import counting_queries, login, make_organisation, make_user, party, post
from tests.test_matching import kenya_needs, lab_offer, people, refreshed_pair, step
from tests.test_needs_explorer import make_assessment, make_cycle
from tracker.accounts.models import DEACTIVATED, PARTY_EDITOR, PARTY_FOCAL_POINT, PENDING, PROVIDER, SECRETARIAT
from tracker.assessments.models import DRAFT
from tracker.audit.models import AuditEntry
from tracker.clock import utcnow
from tracker.extensions import db
from tracker.mail.models import OutboxMessage
from tracker.matching import services as matching
from tracker.matching.models import PROPOSED, Match
from tracker.notifications import jobs, kinds
from tracker.notifications.models import NEVER, WEEKLY, Notification, NotificationPreference
from tracker.notifications.services import indicators_recomputed, notify, rendered, send_digests


# --- helpers ---------------------------------------------------------------------------------------

def told(user, kind=None) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query.order_by(Notification.id)))


def mails_to(user) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == user.email)
                                   .order_by(OutboxMessage.id)))


def prefer(user, kind, frequency):
    db.session.add(NotificationPreference(user_id=user.id, kind=kind, frequency=frequency))
    db.session.commit()


def run(job, now) -> int:
    """A job run as the scheduler runs it: one commit at the end."""
    count = job(now)
    db.session.commit()
    return count


def as_user(app, user):
    client = app.test_client()
    login(client, user)
    return client


def cycle_closing_on(closes_on, opens_days_before=40, name="Mid-term 2030"):
    return make_cycle(name=name, opens_on=closes_on - timedelta(days=opens_days_before), days=opens_days_before)


# --- account approved --------------------------------------------------------------------------------

def test_approval_is_told_in_the_app_and_mailed_at_once_in_the_recipients_language(app, client):
    applicant = make_user(status=PENDING, locale="zh")
    secretariat = make_user(SECRETARIAT, party_iso3=None)
    login(client, secretariat)
    post(client, f"/admin/users/{applicant.id}/approve")

    (notification,) = told(applicant, kinds.ACCOUNT_APPROVED)
    (mail,) = mails_to(applicant)
    assert mail.subject == "您的生物安全能力建设追踪平台账户已获批准"
    assert "http://tracker.test/login" in mail.body
    assert notification.mailed_at is not None and notification.read_at is None
    assert told(secretariat) == []


# --- assessment cycles ------------------------------------------------------------------------------

def test_cycle_reminders_go_only_to_parties_that_have_not_submitted_once_per_threshold(ctx):
    closes_on = datetime(2030, 6, 30, 6).date()
    cycle = cycle_closing_on(closes_on)
    kenya = [make_user(PARTY_FOCAL_POINT, party_iso3="KEN"), make_user(PARTY_EDITOR, party_iso3="KEN")]
    peru = make_user(PARTY_EDITOR, party_iso3="PER")
    uganda_gone = make_user(PARTY_EDITOR, party_iso3="UGA", status=DEACTIVATED)
    provider = make_user(PROVIDER, party_iso3=None, organisation=make_organisation())
    make_assessment("KEN", cycle, {"A.5(1)": "low"}, status=DRAFT)
    make_assessment("PER", cycle, {"A.5(1)": "low"})

    def day(days_before_closing):
        return datetime.combine(closes_on - timedelta(days=days_before_closing), time(6))

    assert run(jobs.cycle_reminders, day(40)) == 3  # opened: both Kenyan users and Peru's
    assert run(jobs.cycle_reminders, day(40)) == 0
    assert run(jobs.cycle_reminders, day(20)) == 0
    assert run(jobs.cycle_reminders, day(14)) == 2  # Kenya has only a draft
    assert run(jobs.cycle_reminders, day(14)) == 0
    assert run(jobs.cycle_reminders, day(10)) == 0
    assert run(jobs.cycle_reminders, day(3)) == 2   # the 7-day run was missed: one reminder, not two
    assert run(jobs.cycle_reminders, day(0)) == 2
    assert run(jobs.cycle_reminders, day(-1)) == 0  # closed

    for user in kenya:
        assert [n.key for n in told(user, kinds.CYCLE_CLOSING)] == [f"{cycle.id}:{days}" for days in (14, 7, 1)]
        assert [m.subject for m in mails_to(user)] == ["The assessment cycle Mid-term 2030 is open"] + [
            "The assessment cycle Mid-term 2030 closes on June 30, 2030"] * 3
    assert [n.kind for n in told(peru)] == [kinds.CYCLE_OPENED]
    assert told(uganda_gone) == [] and told(provider) == []


def test_reminder_mails_show_dates_in_the_recipients_language(ctx):
    cycle_closing_on(datetime(2030, 12, 1).date())
    english = make_user(PARTY_EDITOR, party_iso3="KEN", locale="en")
    chinese = make_user(PARTY_EDITOR, party_iso3="KEN", locale="zh")
    run(jobs.cycle_reminders, datetime(2030, 11, 20, 6))

    english_closing = mails_to(english)[-1]
    chinese_closing = mails_to(chinese)[-1]
    assert "December 1, 2030" in english_closing.subject
    # The new notification texts await their Chinese translation; the date is already written the Chinese way.
    assert "2030年12月1日" in chinese_closing.subject and "December" not in chinese_closing.subject


def test_a_job_leaves_nothing_when_its_run_is_not_committed(ctx):
    cycle_closing_on(datetime(2030, 6, 30).date())
    user = make_user(PARTY_EDITOR, party_iso3="KEN")
    assert jobs.cycle_reminders(datetime(2030, 6, 20, 6)) == 2
    db.session.rollback()
    assert told(user) == [] and mails_to(user) == []


# --- matches ----------------------------------------------------------------------------------------

def test_each_step_of_a_match_tells_the_other_side(app, ctx):
    __, offer, match = refreshed_pair()
    users = people(offer)
    kenya, provider = as_user(app, users["party"]), as_user(app, users["provider"])

    assert step(kenya, match, "propose").status_code == 302
    (proposed,) = told(users["provider"], kinds.MATCH_PROPOSED)
    assert told(users["party"]) == []
    (mail,) = mails_to(users["provider"])
    assert mail.subject == f"Match proposed: {offer.title}"
    assert "Kenya proposes this match (Kenya, key area A.8(1))" in mail.body
    assert f"http://tracker.test/matches/{match.id}" in mail.body

    step(provider, match, "agree")
    (agreed,) = told(users["party"], kinds.MATCH_AGREED)
    assert offer.organisation.name in mails_to(users["party"])[0].body
    step(provider, match, "start")
    assert len(told(users["party"])) == 1  # starting the delivery is not a notice

    step(provider, match, "deliver", {
        "delivery-title": "Detection course", "delivery-start_date": "2026-10-01", "delivery-end_date": "2026-10-05",
        "delivery-support_type": "training"}, prefix="delivery")
    (delivered,) = told(users["party"], kinds.MATCH_DELIVERED)
    assert mails_to(users["party"])[-1].subject == f"Delivery recorded: {offer.title}"
    for someone in ("other_party", "other_provider", "secretariat"):
        assert told(users[someone]) == []


def test_a_declined_proposal_tells_the_proposer_why_and_a_declined_suggestion_tells_nobody(app, ctx):
    kenya_needs()
    offer, other_offer = lab_offer(), lab_offer()
    matching.refresh_party_suggestions(party("KEN").id)
    db.session.commit()
    users = people(offer)
    other_provider = make_user(PROVIDER, party_iso3=None, organisation=other_offer.organisation)
    proposed = db.session.scalar(select(Match).where(Match.offer_id == offer.id))
    suggested = db.session.scalar(select(Match).where(Match.offer_id == other_offer.id))

    matching.propose(proposed, actor=users["provider"])
    db.session.commit()
    assert [n.kind for n in told(users["party"])] == [kinds.MATCH_PROPOSED]
    matching.decline(proposed, actor=users["party"], reason="timing", comment="We are busy until March.")
    matching.decline(suggested, actor=users["party"], reason="not_relevant")
    db.session.commit()

    (declined,) = told(users["provider"])
    assert declined.kind == kinds.MATCH_DECLINED
    body = mails_to(users["provider"])[0].body
    assert "Reason: The timing does not work." in body and "We are busy until March." in body
    assert told(other_provider) == []


def test_a_stalled_match_tells_both_sides_once_at_30_and_once_at_60_days(app, ctx):
    __, offer, match = refreshed_pair()
    users = people(offer)
    now = utcnow()
    match.status, match.proposed_by, match.step_at = PROPOSED, "party", now - timedelta(days=31)
    db.session.commit()

    assert run(jobs.stalled_matches, now) == 2
    assert run(jobs.stalled_matches, now + timedelta(days=5)) == 0
    assert run(jobs.stalled_matches, now + timedelta(days=30)) == 2
    assert run(jobs.stalled_matches, now + timedelta(days=31)) == 0
    thresholds = [n.params["days"] for n in told(users["party"], kinds.MATCH_STALLED)]
    assert thresholds == [30, 60] and len(told(users["provider"], kinds.MATCH_STALLED)) == 2
    assert rendered(told(users["party"])[0]) == (
        f"No step for 30 days: {offer.title}",
        f"The match (Kenya, key area A.8(1)) is “Proposed” and has waited since {match.step_at:%B} "
        f"{match.step_at.day}, {match.step_at.year}.")
    assert told(users["other_provider"]) == []
    # Stalled matches go into the daily digest by default: nothing mailed at once.
    assert mails_to(users["party"]) == []

    matching.agree(db.session.get(Match, match.id), actor=users["provider"])  # a step starts the count again
    db.session.commit()
    assert run(jobs.stalled_matches, utcnow() + timedelta(days=29)) == 0
    assert run(jobs.stalled_matches, utcnow() + timedelta(days=30)) == 2


# --- offers -----------------------------------------------------------------------------------------

def test_an_offer_closing_within_14_days_tells_its_organisation_once_per_closing_date(ctx):
    now = utcnow()
    organisation = make_organisation("Seed Lab")
    provider = make_user(PROVIDER, party_iso3=None, organisation=organisation)
    stranger = make_user(PROVIDER, party_iso3=None, organisation=make_organisation("Other"))
    closing = lab_offer(organisation, title="Closing soon", closes_on=now.date() + timedelta(days=10))
    lab_offer(organisation, title="Closing later", closes_on=now.date() + timedelta(days=20))
    lab_offer(organisation, title="Draft", status="draft", closes_on=now.date() + timedelta(days=5))

    assert run(jobs.expiring_offers, now) == 1
    assert run(jobs.expiring_offers, now + timedelta(days=1)) == 0
    closing.closes_on = now.date() + timedelta(days=12)
    db.session.commit()
    assert run(jobs.expiring_offers, now + timedelta(days=2)) == 1
    assert [n.params["offer"] for n in told(provider)] == ["Closing soon", "Closing soon"]
    title, __ = rendered(told(provider)[-1])
    closes_on = closing.closes_on
    assert title == f"Your offer closes on {closes_on:%B} {closes_on.day}, {closes_on.year}: Closing soon"
    assert told(stranger) == []


# --- suggestions ------------------------------------------------------------------------------------

def test_the_suggestion_digest_counts_the_suggestions_made_since_the_last_one(app, ctx):
    kenya_needs()
    organisation = make_organisation("Lab Network", vetted=True)
    lab_offer(organisation)
    matching.refresh_party_suggestions(party("KEN").id)
    db.session.commit()
    kenyan = make_user(PARTY_FOCAL_POINT, party_iso3="KEN")
    peruvian = make_user(PARTY_EDITOR, party_iso3="PER")
    provider = make_user(PROVIDER, party_iso3=None, organisation=organisation)
    unvetted = make_user(PROVIDER, party_iso3=None, organisation=make_organisation("New", vetted=False))
    now = utcnow()

    assert run(jobs.suggestion_digest, now) == 2
    assert run(jobs.suggestion_digest, now + timedelta(hours=2)) == 0  # once a day
    assert run(jobs.suggestion_digest, now + timedelta(days=1)) == 0   # nothing new
    (for_needs,) = told(kenyan)
    (for_offers,) = told(provider)
    assert (for_needs.kind, for_needs.params) == (kinds.SUGGESTIONS_FOR_NEEDS, {"count": 1})
    assert (for_offers.kind, for_offers.params) == (kinds.SUGGESTIONS_FOR_OFFERS, {"count": 1})
    assert told(peruvian) == [] and told(unvetted) == []
    assert rendered(for_offers) == ("New suggested needs for your organisation's offers",
                                    "New suggestions: 1. Open your matches to propose the ones that fit.")

    lab_offer(organisation)
    lab_offer(organisation)
    matching.refresh_party_suggestions(party("KEN").id)
    db.session.commit()
    assert run(jobs.suggestion_digest, utcnow() + timedelta(days=2)) == 2
    assert told(kenyan)[-1].params == {"count": 2}
    # Suggestions are daily news: the digest mails them, not each one at once.
    assert mails_to(kenyan) == []


# --- digests and preferences ------------------------------------------------------------------------

def test_digests_gather_daily_and_weekly_news_and_never_mail_what_the_user_does_not_want(ctx):
    daily, weekly, never = (make_user(SECRETARIAT, party_iso3=None) for __ in range(3))
    prefer(weekly, kinds.INDICATORS_RECOMPUTED, WEEKLY)
    prefer(never, kinds.INDICATORS_RECOMPUTED, NEVER)
    first, second = make_cycle("Baseline 2030"), make_cycle("Mid-term 2032")
    wednesday = datetime(2030, 1, 9, 10)
    indicators_recomputed(first, computed_at=wednesday)
    indicators_recomputed(second, computed_at=wednesday + timedelta(hours=1))
    db.session.commit()
    assert mails_to(daily) == []

    assert run(send_digests, wednesday + timedelta(hours=3)) == 0  # today's news waits for tomorrow
    assert run(send_digests, datetime(2030, 1, 10, 5)) == 1
    assert run(send_digests, datetime(2030, 1, 10, 9)) == 0
    (digest,) = mails_to(daily)
    assert digest.subject == "Biosafety CB Tracker: 2 new notifications"
    assert "• Indicators recomputed for Baseline 2030" in digest.body
    assert "• Indicators recomputed for Mid-term 2032" in digest.body
    assert "http://tracker.test/indicators" in digest.body
    assert "http://tracker.test/profile/notifications" in digest.body
    assert all(n.mailed_at == datetime(2030, 1, 10, 5) for n in told(daily))

    assert mails_to(weekly) == []
    assert run(send_digests, datetime(2030, 1, 13, 5)) == 0   # Sunday
    assert run(send_digests, datetime(2030, 1, 14, 5)) == 1   # Monday
    assert run(send_digests, datetime(2030, 1, 15, 5)) == 0
    assert mails_to(weekly)[0].subject == "Biosafety CB Tracker: 2 new notifications"

    assert mails_to(never) == []
    assert len(told(never)) == 2 and all(n.mailed_at is None for n in told(never))


def test_a_user_who_wants_a_digest_kind_at_once_gets_it_at_once(ctx):
    secretariat = make_user(SECRETARIAT, party_iso3=None)
    prefer(secretariat, kinds.INDICATORS_RECOMPUTED, "immediately")
    indicators_recomputed(make_cycle("Baseline 2030"))
    db.session.commit()
    (mail,) = mails_to(secretariat)
    assert mail.subject == "Indicators recomputed for Baseline 2030"


def test_the_preferences_page_saves_each_kind_the_user_may_receive_and_audits_the_change(app, client):
    user = make_user(PARTY_EDITOR, party_iso3="KEN")
    login(client, user)
    html = client.get("/profile/notifications").get_data(as_text=True)
    assert "An assessment cycle opens" in html and "A match is proposed to you" in html
    assert "An offer of your organisation closes within 14 days" not in html  # a provider's kind
    # The defaults are shown chosen.
    assert '<input checked id="cycle_closing-0" name="cycle_closing" required type="radio" value="immediately">' in html
    assert '<input checked id="match_stalled-1" name="match_stalled" required type="radio" value="daily">' in html
    choices = {kind: kinds.KINDS[kind].default for kind in kinds.kinds_for(user)}
    response = post(client, "/profile/notifications", {**choices, kinds.CYCLE_CLOSING: NEVER,
                                                        kinds.MATCH_STALLED: WEEKLY})
    assert response.status_code == 302
    saved = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.frequency)
                                    .where(NotificationPreference.user_id == user.id)).all())
    assert saved[kinds.CYCLE_CLOSING] == NEVER and saved[kinds.MATCH_STALLED] == WEEKLY
    assert saved[kinds.CYCLE_OPENED] == "immediately"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.notification_preferences"))
    assert entry.after == {kinds.CYCLE_CLOSING: NEVER, kinds.MATCH_STALLED: WEEKLY}

    cycle_closing_on(datetime(2030, 6, 30).date())
    run(jobs.cycle_reminders, datetime(2030, 6, 20, 6))
    assert {n.kind for n in told(user)} == {kinds.CYCLE_OPENED, kinds.CYCLE_CLOSING}  # both in the app
    assert [m.subject for m in mails_to(user)] == ["The assessment cycle Mid-term 2030 is open"]


def test_the_preferences_page_refuses_an_unknown_frequency_and_a_form_without_its_token(app, client):
    user = make_user(PARTY_EDITOR, party_iso3="KEN")
    login(client, user)
    choices = {kind: kinds.KINDS[kind].default for kind in kinds.kinds_for(user)}
    response = post(client, "/profile/notifications", {**choices, kinds.CYCLE_CLOSING: "hourly"})
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    response = client.post("/profile/notifications", data={**choices, kinds.CYCLE_CLOSING: NEVER})
    assert response.status_code == 400
    assert db.session.scalar(select(NotificationPreference).where(NotificationPreference.user_id == user.id)) is None


def test_the_profile_page_links_to_the_notification_settings(client):
    login(client, make_user())
    assert 'href="/profile/notifications"' in client.get("/profile").get_data(as_text=True)


# --- the list, the bell, marking read ------------------------------------------------------------------

def some_notifications(user, count):
    for number in range(count):
        notify(user, kinds.MATCH_AGREED, params={"offer": f"Offer {number}", "party": {"en": "Kenya"},
                                                 "key_area": "A.8(1)", "actor": "Lab"},
               url=f"/matches/{number + 1}", key=str(number), now=utcnow() + timedelta(minutes=number))
    db.session.commit()
    return told(user)


def test_the_list_shows_the_newest_first_with_the_unread_ones_marked_and_the_bell_counts_them(client):
    user = make_user()
    login(client, user)
    assert 'aria-label="Notifications, none unread"' in client.get("/").get_data(as_text=True)
    some_notifications(user, 3)

    html = client.get("/notifications").get_data(as_text=True)
    positions = [html.index(f"Match agreed: Offer {number}") for number in (2, 1, 0)]
    assert positions == sorted(positions)
    assert html.count('class="notification unread"') == 3
    assert 'aria-label="Notifications, 3 unread"' in html


def test_marking_one_and_all_read_and_following_a_link_marks_it_read(client):
    user = make_user()
    login(client, user)
    first, second, third = some_notifications(user, 3)

    response = post(client, f"/notifications/{first.id}/read")
    assert response.status_code == 302
    assert 'aria-label="Notifications, 2 unread"' in client.get("/notifications").get_data(as_text=True)

    response = client.get(f"/notifications/{second.id}")
    assert response.status_code == 302 and response.headers["Location"] == "/matches/2"
    assert 'aria-label="Notifications, 1 unread"' in client.get("/notifications").get_data(as_text=True)

    post(client, "/notifications/read")
    html = client.get("/notifications").get_data(as_text=True)
    assert 'aria-label="Notifications, none unread"' in html and 'class="notification unread"' not in html


def test_nobody_sees_or_marks_someone_elses_notification(app, client):
    owner, other = make_user(), make_user()
    (notification,) = some_notifications(owner, 1)
    login(client, other)
    assert client.get(f"/notifications/{notification.id}").status_code == 404
    assert post(client, f"/notifications/{notification.id}/read").status_code == 404
    post(client, "/notifications/read")
    assert "Offer 0" not in client.get("/notifications").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Notification, notification.id).read_at is None


def test_marking_read_without_the_forms_token_is_refused(client):
    user = make_user()
    login(client, user)
    (notification,) = some_notifications(user, 1)
    assert client.post(f"/notifications/{notification.id}/read").status_code == 400
    assert client.post("/notifications/read").status_code == 400
    db.session.expire_all()
    assert db.session.get(Notification, notification.id).read_at is None


def test_the_bell_costs_one_query_per_page_and_visitors_none(app, client):
    user = make_user()
    login(client, user)
    some_notifications(user, 5)
    with counting_queries() as statements:
        html = client.get("/").get_data(as_text=True)
    assert 'aria-label="Notifications, 5 unread"' in html
    assert sum("FROM notification" in statement for statement in statements) == 1

    visitor = app.test_client()
    with counting_queries() as statements:
        visitor.get("/")
    assert not any("notification" in statement for statement in statements)


def test_inactive_users_are_never_notified(ctx):
    gone = make_user(status=DEACTIVATED)
    pending = make_user(status=PENDING)
    assert notify(gone, kinds.MATCH_AGREED, params={}, key="1") is None
    assert notify(pending, kinds.MATCH_AGREED, params={}, key="1") is None


def test_the_same_event_is_told_once(ctx):
    user = make_user()
    assert notify(user, kinds.CYCLE_OPENED, params={"cycle": "X", "closes_on": "2030-01-01"}, key="7") is not None
    assert notify(user, kinds.CYCLE_OPENED, params={"cycle": "X", "closes_on": "2030-01-01"}, key="7") is None
    db.session.commit()
    assert len(told(user)) == 1 and len(mails_to(user)) == 1


# --- delivery ---------------------------------------------------------------------------------------

class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app, monkeypatch):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    yield inbox
    controller.stop()


def test_mail_waits_in_the_outbox_until_the_delivery_job_sends_it_over_smtp(app, client, smtp_server):
    applicant = make_user(status=PENDING, email="applicant@example.org")
    login(client, make_user(SECRETARIAT, party_iso3=None))
    post(client, f"/admin/users/{applicant.id}/approve")
    assert smtp_server.messages == []  # the request only queued it

    assert run(jobs.deliver_mail, utcnow()) == 1
    (envelope,) = smtp_server.messages
    assert envelope.rcpt_tos == ["applicant@example.org"]
    content = envelope.content.decode()
    assert "Subject: Your Biosafety CB Tracker account is approved" in content
    assert "http://tracker.test/login" in content
    (message,) = mails_to(applicant)
    assert message.sent_at is not None

    assert run(jobs.deliver_mail, utcnow()) == 0  # never twice
    assert len(smtp_server.messages) == 1


def test_without_an_smtp_server_mail_stays_in_the_outbox_unsent(app, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    user = make_user()
    some_notifications(user, 1)
    assert run(jobs.deliver_mail, utcnow()) == 0
    (message,) = mails_to(user)
    assert message.sent_at is None and message.error == ""


def test_a_refused_connection_is_recorded_and_the_mail_kept_for_the_next_run(app, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens there
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    user = make_user()
    some_notifications(user, 1)
    assert run(jobs.deliver_mail, utcnow()) == 0
    (message,) = mails_to(user)
    assert message.sent_at is None and message.error
