"""Public pages in English and Chinese, security headers, health check, hostile input."""
import re

import pytest
from sqlalchemy.exc import OperationalError

from tests.conftest import INLINE_SCRIPT, csrf_token, login, make_user, post
from tracker import create_app
from tracker.accounts.models import PENDING, SECRETARIAT, User
from tracker.audit.models import AuditEntry
from tracker.extensions import db, login_manager
from tracker.framework.models import Goal, KeyArea


def switch_language(client, language, next_url="/"):
    return client.post("/language", data={"csrf_token": csrf_token(client), "language": language, "next": next_url})


def test_goal_page_in_english_says_the_english_is_our_translation(client):
    goal = db.session.scalar(db.select(Goal).where(Goal.code == "A.8"))
    html = client.get("/framework/A.8").get_data(as_text=True)
    assert goal.text_en in html
    assert "own translation" in html
    for heading in ("Objectives", "Indicators", "Key capacity-building areas",
                    "Example capacity-building activities", "Capacity-building indicators", "Actors"):
        assert heading in html
    assert "A.8.2" in html and "A.8(3)" in html and "A.8㈡" in html and "A.8(c)" in html


def test_goal_page_in_chinese_shows_the_source_text_verbatim(client):
    response = switch_language(client, "zh", "/framework/A.6")
    assert response.headers["Location"] == "/framework/A.6"
    html = client.get("/framework/A.6").get_data(as_text=True)
    goal = db.session.scalar(db.select(Goal).where(Goal.code == "A.6"))
    assert '<html lang="zh">' in html
    assert goal.text_zh in html and goal.text_en not in html
    assert "关键能力建设领域" in html  # the interface too, not only the data
    bracketed = next(a for a in goal.key_areas if "[" in a.text_zh)
    assert bracketed.text_zh in html  # square brackets kept as printed


def test_language_switch_ignores_unknown_languages_and_foreign_redirects(client):
    response = switch_language(client, "xx", "https://evil.example/")
    assert response.headers["Location"] == "/"
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_framework_index_lists_every_goal_and_key_area(client):
    html = client.get("/framework").get_data(as_text=True)
    goals = db.session.scalars(db.select(Goal.code)).all()
    areas = db.session.scalars(db.select(KeyArea.code)).all()
    assert len(goals) == 14 and len(areas) == 41
    for code in goals:
        assert f'href="/framework/{code}"' in html
    for code in areas:
        assert f"/framework/key-areas/{code}" in html


def test_key_area_page_links_back_to_its_goal(client):
    html = client.get("/framework/key-areas/A.6(1)").get_data(as_text=True)
    assert 'href="/framework/A.6"' in html
    assert client.get("/framework/key-areas/Z.9(9)").status_code == 404


def _party_rows(html):
    return re.findall(r'<a href="/parties/([A-Z]{3})">', html)


@pytest.mark.parametrize("query, expected", [
    ("", 173),
    ("?status=supplementary", 55),
    ("?status=all", 197),
    ("?group=african&ldc=1", None),
    ("?sids=1", None),
])
def test_parties_list_filters(client, query, expected):
    from tracker.parties.models import Party

    rows = _party_rows(client.get("/parties" + query).get_data(as_text=True))
    if expected is None:
        filters = [Party.cartagena_party.is_(True)]
        if "group=african" in query:
            filters += [Party.un_regional_group == "african", Party.ldc.is_(True)]
        if "sids" in query:
            filters.append(Party.sids.is_(True))
        expected = db.session.scalar(db.select(db.func.count(Party.id)).where(*filters))
        assert 0 < expected < 173
    assert len(rows) == expected


def test_party_names_follow_the_interface_language(client):
    assert "Kenya" in client.get("/parties/KEN").get_data(as_text=True)
    switch_language(client, "zh")
    assert "肯尼亚" in client.get("/parties/KEN").get_data(as_text=True)


def test_security_headers(client):
    headers = client.get("/").headers
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_no_inline_script_in_pages(client):
    for url in ("/", "/framework/A.1", "/parties", "/login", "/register/organisation"):
        html = client.get(url).get_data(as_text=True)
        assert not INLINE_SCRIPT.search(html) and " on" + "click=" not in html


def test_healthz_reports_the_database(client, tmp_path):
    assert client.get("/healthz").json == {"status": "ok", "database": "reachable"}
    broken = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite"})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["database"] == "unreachable"


def test_form_without_csrf_token_is_refused_and_changes_nothing(client):
    response = client.post("/register/party", data={
        "name": "No token", "email": "notoken@example.org", "password": "x" * 12, "confirm": "x" * 12,
        "locale": "en", "party": "KEN"})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_wrong_csrf_token_is_refused_for_admin_actions(client):
    applicant = make_user(status=PENDING)
    login(client, make_user(SECRETARIAT, party_iso3=None))
    response = client.post(f"/admin/users/{applicant.id}/approve", data={"csrf_token": "forged"})
    assert response.status_code == 400
    db.session.refresh(applicant)
    assert applicant.status == PENDING


def test_script_in_a_name_is_shown_escaped(client):
    evil = "<script>alert(1)</script>"
    post(client, "/register/party", {"name": evil, "email": "evil@example.org", "password": "x" * 12,
                                     "confirm": "x" * 12, "locale": "en", "party": "KEN"})
    login(client, make_user(SECRETARIAT, party_iso3=None))
    html = client.get("/admin/users").get_data(as_text=True)
    assert evil not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_oversized_body_is_refused(client, app):
    response = client.post("/login", data={"email": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)})
    assert response.status_code == 413


def test_audit_log_shows_who_changed_what_with_filters(client):
    secretariat = make_user(SECRETARIAT, party_iso3=None, email="officer@example.org")
    applicant = make_user(status=PENDING, email="applicant@example.org")
    login(client, secretariat)
    post(client, f"/admin/users/{applicant.id}/approve")
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "user.approve"))
    assert entry.actor_id == secretariat.id and entry.object_id == applicant.id
    assert entry.before["status"] == "pending" and entry.after["status"] == "active"

    html = client.get("/admin/audit?action=user.approve&actor=officer").get_data(as_text=True)
    assert "applicant@example.org" in html and "1 entry" in html
    html = client.get("/admin/audit?action=user.register").get_data(as_text=True)
    assert "0 entries" in html


def test_error_pages_are_translated(client):
    switch_language(client, "zh")
    html = client.get("/no-such-page").get_data(as_text=True)
    assert "<h1>未找到</h1>" in html


def test_form_errors_are_announced_only_on_the_fields_that_have_them(client):
    html = post(client, "/register/party", {"name": "", "email": "not-an-address", "password": "x" * 12,
                                            "confirm": "x" * 12, "locale": "en", "party": "KEN"}).get_data(as_text=True)
    assert '"None"' not in html
    invalid = re.findall(r'<(?:input|select)[^>]*aria-invalid="true"[^>]*>', html)
    assert {re.search(r' id="([^"]+)"', tag).group(1) for tag in invalid} == {"name", "email"}


def test_a_logged_in_user_gets_a_readable_error_page_while_the_database_is_unreachable(app, client, monkeypatch):
    login(client, make_user())

    def unreachable(user_id):
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("the database is down"))

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(login_manager, "_user_callback", unreachable)
    response = client.get("/profile")
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and response.mimetype == "text/html"
    # Neither the user nor their language can be read: the page says it in both languages.
    assert "Something went wrong" in page and "出现错误" in page and "Nothing was changed." in page
