"""Asking for an account, approval, login and logout, throttling, password reset."""
import re

import itsdangerous.timed

from tests.conftest import PASSWORD, csrf_token, login, make_organisation, make_user, post
from tracker.accounts.models import PENDING, PROVIDER, SECRETARIAT, User
from tracker.audit.models import AuditEntry
from tracker.extensions import db
from tracker.mail.models import OutboxMessage
from tracker.organisations.models import Organisation


def registration(**overrides):
    return {"name": "Amina Njoroge", "email": "Amina@Example.org", "job_title": "Biosafety officer",
            "password": PASSWORD, "confirm": PASSWORD, "locale": "en", **overrides}


def test_party_staff_asks_for_an_account_and_waits_for_approval(client):
    response = post(client, "/register/party", registration(party="KEN"), follow_redirects=True)
    assert "The Secretariat will review your request" in response.get_data(as_text=True)
    user = db.session.scalar(db.select(User).where(User.email == "amina@example.org"))
    assert user.status == PENDING and user.party.iso3 == "KEN" and user.role == "party_editor"
    assert user.password_hash != PASSWORD and user.check_password(PASSWORD)

    refused = post(client, "/login", {"email": "amina@example.org", "password": PASSWORD})
    assert refused.status_code == 200
    assert "waiting for approval" in refused.get_data(as_text=True)


def test_registration_for_a_non_party_is_refused(client):
    response = post(client, "/register/party", registration(party="USA"))
    assert response.status_code == 200
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_half_valid_registration_keeps_the_input_and_saves_nothing(client):
    response = post(client, "/register/party", registration(party="KEN", confirm="something else"))
    html = response.get_data(as_text=True)
    assert "The passwords do not match." in html and 'value="Amina Njoroge"' in html
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_second_account_with_the_same_email_is_refused(client):
    make_user(email="amina@example.org")
    response = post(client, "/register/party", registration(party="KEN"))
    assert "already exists" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1


def test_provider_registers_a_new_organisation_that_awaits_vetting(client):
    response = post(client, "/register/organisation", registration(
        organisation_name="Instituto de Bioseguridad", organisation_type="university",
        country="PER", website="https://bioseguridad.example.org"))
    assert response.status_code == 302
    organisation = db.session.scalar(db.select(Organisation))
    assert organisation.name == "Instituto de Bioseguridad" and organisation.vetted is False
    assert organisation.country.iso3 == "PER"
    user = db.session.scalar(db.select(User))
    assert user.role == PROVIDER and user.organisation_id == organisation.id
    actions = set(db.session.scalars(db.select(AuditEntry.action)))
    assert actions == {"user.register", "organisation.register"}


def test_provider_joining_a_registered_organisation_does_not_duplicate_it(client):
    existing = make_organisation(name="UNEP")
    post(client, "/register/organisation", registration(organisation_name="unep", organisation_type="un_body"))
    assert db.session.scalar(db.select(db.func.count(Organisation.id))) == 1
    assert db.session.scalar(db.select(User)).organisation_id == existing.id


def test_website_must_be_a_web_address(client):
    post(client, "/register/organisation", registration(
        organisation_name="Bad", organisation_type="ngo", website="javascript://x.org/%0aalert(1)"))
    assert db.session.scalar(db.select(db.func.count(Organisation.id))) == 0


def test_secretariat_approval_lets_the_user_log_in_and_mails_them(client):
    applicant = make_user(status=PENDING, email="applicant@example.org", locale="zh")
    secretariat = make_user(SECRETARIAT, party_iso3=None)
    login(client, secretariat)
    post(client, f"/admin/users/{applicant.id}/approve")
    db.session.refresh(applicant)
    assert applicant.is_active
    mail = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.recipient == "applicant@example.org"))
    assert "http://tracker.test/login" in mail.body
    assert mail.subject == "您的生物安全能力建设追踪平台账户已获批准"  # in the recipient's language

    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, applicant)
    assert client.get("/profile").status_code == 200


def test_logout_ends_the_session(client):
    user = make_user()
    login(client, user)
    assert client.get("/profile").status_code == 200
    post(client, "/logout")
    assert client.get("/profile").status_code == 302


def test_deactivated_user_cannot_log_in_and_loses_open_sessions(client, app):
    user = make_user()
    login(client, user)
    user.status = "deactivated"
    db.session.commit()
    assert client.get("/profile").status_code == 302  # the open session no longer counts
    response = post(client, "/login", {"email": user.email, "password": PASSWORD})
    assert "deactivated" in response.get_data(as_text=True)


def test_login_is_throttled_per_account_with_a_clear_message(client, app):
    user = make_user()
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        response = post(client, "/login", {"email": user.email, "password": "wrong password"})
        assert "not correct" in response.get_data(as_text=True)
    # Even the right password is refused until the window has passed.
    response = post(client, "/login", {"email": user.email, "password": PASSWORD})
    assert "Too many failed login attempts" in response.get_data(as_text=True)
    assert client.get("/profile").status_code == 302


def test_login_is_throttled_per_address_across_accounts(client, app):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    try:
        for n in range(3):
            post(client, "/login", {"email": f"nobody{n}@example.org", "password": "wrong password"})
        user = make_user()
        response = post(client, "/login", {"email": user.email, "password": PASSWORD})
        assert "Too many failed login attempts" in response.get_data(as_text=True)
        other_address = app.test_client()
        assert post(other_address, "/login", {"email": user.email, "password": PASSWORD},
                    environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 302
    finally:
        app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 20


def test_login_does_not_redirect_off_site(client):
    user = make_user()
    response = client.post("/login?next=https://evil.example/", data={
        "csrf_token": csrf_token(client), "email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def _reset_link(email: str) -> str:
    mail = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.recipient == email)
                             .order_by(OutboxMessage.id.desc()))
    return re.search(r"http://tracker.test(/password/reset/\S+)", mail.body).group(1)


def test_password_reset_link_works_once(client):
    user = make_user()
    response = post(client, "/password/forgot", {"email": user.email}, follow_redirects=True)
    assert "If an active account has this address" in response.get_data(as_text=True)
    link = _reset_link(user.email)

    new_password = "a brand new passphrase"
    assert post(client, link, {"password": new_password, "confirm": new_password}).status_code == 302
    db.session.refresh(user)
    assert user.check_password(new_password)

    again = client.get(link, follow_redirects=True)
    assert "already been used" in again.get_data(as_text=True)
    assert post(client, link, {"password": "yet another passphrase", "confirm": "yet another passphrase"}).status_code == 302
    db.session.refresh(user)
    assert user.check_password(new_password)


def test_password_reset_link_expires(client, app, monkeypatch):
    user = make_user()
    real_time = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time",
                        lambda: real_time() - app.config["PASSWORD_RESET_MAX_AGE"] - 5)
    post(client, "/password/forgot", {"email": user.email})
    monkeypatch.setattr(itsdangerous.timed.time, "time", real_time)
    response = client.get(_reset_link(user.email), follow_redirects=True)
    assert "expired" in response.get_data(as_text=True)


def test_password_reset_says_the_same_for_unknown_addresses_and_sends_nothing(client):
    response = post(client, "/password/forgot", {"email": "nobody@example.org"}, follow_redirects=True)
    assert "If an active account has this address" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 0


def test_user_changes_own_password_only_with_the_current_one(client):
    user = make_user()
    login(client, user)
    response = post(client, "/profile/password", {"current": "wrong one!!", "password": "another passphrase",
                                                    "confirm": "another passphrase"})
    assert "current password is not correct" in response.get_data(as_text=True)
    post(client, "/profile/password", {"current": PASSWORD, "password": "another passphrase",
                                       "confirm": "another passphrase"})
    db.session.refresh(user)
    assert user.check_password("another passphrase")
