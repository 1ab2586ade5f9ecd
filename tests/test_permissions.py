"""Who may do what: every role against every protected action, checked on the server."""
import pytest

from tests.conftest import csrf_token, login, make_organisation, make_user, party
from tracker.accounts import permissions, services
from tracker.accounts.models import PARTY_EDITOR, PARTY_FOCAL_POINT, PENDING, PROVIDER, SECRETARIAT, User
from tracker.errors import InvalidInput, PermissionDenied
from tracker.extensions import db
from tracker.organisations.models import Organisation

ROLES = ["anonymous", PARTY_EDITOR, PARTY_FOCAL_POINT, PROVIDER, SECRETARIAT]
ALLOWED_ONLY_SECRETARIAT = {"anonymous": 302, PARTY_EDITOR: 403, PARTY_FOCAL_POINT: 403, PROVIDER: 403, SECRETARIAT: None}

# (action, method, url template, form data, status for the Secretariat)
ADMIN_ACTIONS = [
    ("list users", "GET", "/admin/users", None, 200),
    ("see a user", "GET", "/admin/users/{applicant}", None, 200),
    ("approve a user", "POST", "/admin/users/{applicant}/approve", {}, 302),
    ("deactivate a user", "POST", "/admin/users/{applicant}/deactivate", {}, 302),
    ("activate a user", "POST", "/admin/users/{applicant}/activate", {}, 302),
    ("set a role", "POST", "/admin/users/{applicant}", {"role": PARTY_FOCAL_POINT, "party": "KEN"}, 302),
    ("list organisations", "GET", "/admin/organisations", None, 200),
    ("vet an organisation", "POST", "/admin/organisations/{organisation}/vet", {"vetted": "yes"}, 302),
    ("read the audit log", "GET", "/admin/audit", None, 200),
    ("read the outbox", "GET", "/admin/outbox", None, 200),
]


def _acting_client(client, role):
    if role != "anonymous":
        organisation = make_organisation(name="Acting organisation") if role == PROVIDER else None
        login(client, make_user(role, party_iso3="PER" if role.startswith("party") else None,
                                organisation=organisation))
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action, method, url, data, secretariat_status", ADMIN_ACTIONS,
                         ids=[a[0] for a in ADMIN_ACTIONS])
def test_only_the_secretariat_administers_accounts(client, role, action, method, url, data, secretariat_status):
    applicant = make_user(status=PENDING, email="applicant@example.org")
    organisation = make_organisation(name="Unvetted NGO", type="ngo", vetted=False)
    client = _acting_client(client, role)
    url = url.format(applicant=applicant.id, organisation=organisation.id)
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={"csrf_token": csrf_token(client), **data})
    expected = ALLOWED_ONLY_SECRETARIAT[role] or secretariat_status
    assert response.status_code == expected
    if role == "anonymous":
        assert "/login" in response.headers["Location"]
    if expected in (302, 403) and role != SECRETARIAT:
        db.session.expire_all()
        assert db.session.get(User, applicant.id).status == PENDING
        assert db.session.get(User, applicant.id).role == PARTY_EDITOR
        assert db.session.get(Organisation, organisation.id).vetted is False


@pytest.mark.parametrize("role", ROLES)
def test_profile_is_for_logged_in_users_only(client, role):
    client = _acting_client(client, role)
    assert client.get("/profile").status_code == (302 if role == "anonymous" else 200)


@pytest.mark.parametrize("url", ["/", "/framework", "/framework/A.1", "/framework/key-areas/A.1(1)",
                                 "/parties", "/parties/KEN", "/login", "/register", "/healthz"])
def test_public_pages_need_no_login(client, url):
    assert client.get(url).status_code == 200


def test_missing_objects_are_404_for_the_secretariat(client):
    _acting_client(client, SECRETARIAT)
    assert client.get("/admin/users/999999").status_code == 404
    response = client.post("/admin/organisations/999999/vet", data={"csrf_token": csrf_token(client), "vetted": "yes"})
    assert response.status_code == 404


def test_secretariat_cannot_lock_itself_out(client):
    me = make_user(SECRETARIAT, party_iso3=None)
    login(client, me)
    client.post(f"/admin/users/{me.id}/deactivate", data={"csrf_token": csrf_token(client)})
    client.post(f"/admin/users/{me.id}", data={"csrf_token": csrf_token(client), "role": PARTY_EDITOR, "party": "KEN"})
    db.session.refresh(me)
    assert me.status == "active" and me.role == SECRETARIAT


def test_party_role_needs_a_party_to_the_protocol(client):
    login(client, make_user(SECRETARIAT, party_iso3=None))
    user = make_user(PROVIDER, party_iso3=None, organisation=make_organisation())
    response = client.post(f"/admin/users/{user.id}", data={"csrf_token": csrf_token(client),
                                                          "role": PARTY_FOCAL_POINT, "party": "USA"})
    assert "Not a valid choice" in response.get_data(as_text=True)  # only Parties are offered
    db.session.refresh(user)
    assert user.role == PROVIDER


def test_set_role_service_refuses_a_non_party_whatever_the_form_says(ctx):
    secretariat = make_user(SECRETARIAT, party_iso3=None)
    user = make_user(PARTY_EDITOR)
    with pytest.raises(InvalidInput, match="needs a Party to the Cartagena Protocol"):
        services.set_role(user, role=PARTY_FOCAL_POINT, actor=secretariat, party=party("USA"))
    with pytest.raises(PermissionDenied):
        services.set_role(user, role=SECRETARIAT, actor=make_user(PARTY_FOCAL_POINT))


# --- the permission functions on their own ------------------------------------------------------

@pytest.mark.parametrize("role, expected", [
    (PARTY_EDITOR, False), (PARTY_FOCAL_POINT, False), (PROVIDER, False), (SECRETARIAT, True)])
def test_secretariat_permissions_by_role(ctx, role, expected):
    user = make_user(role, organisation=make_organisation() if role == PROVIDER else None)
    checks = [permissions.can_manage_users, permissions.can_vet_organisations,
              permissions.can_read_audit_log, permissions.can_read_outbox]
    assert [check(user) for check in checks] == [expected] * len(checks)


def test_inactive_secretariat_has_no_rights(ctx):
    assert not permissions.can_manage_users(make_user(SECRETARIAT, party_iso3=None, status=PENDING))


def test_party_user_acts_only_for_their_own_party(ctx):
    kenya_editor = make_user(PARTY_EDITOR, party_iso3="KEN")
    assert permissions.acts_for_party(kenya_editor, party("KEN"))
    assert not permissions.acts_for_party(kenya_editor, party("PER"))
    provider = make_user(PROVIDER, party_iso3=None, organisation=make_organisation())
    assert not permissions.acts_for_party(provider, party("KEN"))


def test_provider_acts_only_for_their_own_organisation(ctx):
    mine, theirs = make_organisation(name="Mine"), make_organisation(name="Theirs")
    provider = make_user(PROVIDER, party_iso3=None, organisation=mine)
    assert permissions.acts_for_organisation(provider, mine)
    assert not permissions.acts_for_organisation(provider, theirs)
    assert not permissions.acts_for_organisation(make_user(SECRETARIAT, party_iso3=None), mine)
