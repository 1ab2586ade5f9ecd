"""Every route of the app, HTML and JSON API, as every kind of user: anonymous, an editor and the focal point of
Kenya, a provider of organisation A, the Secretariat, and the users of another Party (Uganda) and of another
organisation (B). Each answer is the one the table below says, a refused request changes nothing, a list does
not show another Party's or organisation's rows, and a route without a row in the table fails the walk, so that
no new route is forgotten."""
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import text

from tests.conftest import REFERENCE_TABLES
from tracker.accounts.models import ACTIVE, PARTY_EDITOR, PARTY_FOCAL_POINT, PENDING, PROVIDER, SECRETARIAT, User
from tracker.accounts.services import password_reset_token
from tracker.activities.models import Activity
from tracker.api.models import ApiToken
from tracker.api.services import token_hash
from tracker.assessments.models import (
    DRAFT, SUBMITTED, Assessment, AssessmentCycle, AssessmentVersion, Need, PendingUpload,
)
from tracker.clock import today, utcnow
from tracker.extensions import db
from tracker.framework.models import KeyArea
from tracker.indicators.models import IndicatorValue
from tracker.matching.models import AGREED, DELIVERED, PARTY_SIDE, PROPOSED, SUGGESTED, Match
from tracker.notifications import kinds
from tracker.notifications.models import Notification
from tracker.offers.models import DRAFT as OFFER_DRAFT
from tracker.offers.models import OPEN, Offer
from tracker.offers.services import offer_search_text
from tracker.organisations.models import Organisation
from tracker.parties.models import Party
from tracker.scheduler.models import JobSetting

# --- who asks --------------------------------------------------------------------------------------------

ANONYMOUS = "anonymous"
EDITOR = "editor"                        # party editor of Kenya
FOCAL_POINT = "focal_point"              # party focal point of Kenya
PROVIDER_A = "provider"                  # provider of organisation A (vetted), whose offers and activity these are
SECRETARIAT_USER = "secretariat"
OTHER_EDITOR = "other_editor"            # party editor of Uganda
OTHER_FOCAL_POINT = "other_focal_point"  # party focal point of Uganda
OTHER_PROVIDER = "other_provider"        # provider of organisation B, vetted too: only the object keeps it out
ACTORS = (ANONYMOUS, EDITOR, FOCAL_POINT, PROVIDER_A, SECRETARIAT_USER, OTHER_EDITOR, OTHER_FOCAL_POINT,
          OTHER_PROVIDER)
GROUPS = {
    "kenya": (EDITOR, FOCAL_POINT),
    "uganda": (OTHER_EDITOR, OTHER_FOCAL_POINT),
    "parties": (EDITOR, FOCAL_POINT, OTHER_EDITOR, OTHER_FOCAL_POINT),
    "providers": (PROVIDER_A, OTHER_PROVIDER),
    "users": ACTORS[1:],
    "everyone": ACTORS,
}


def by_actor(default, given: dict) -> dict:
    """`default` for every actor, then the groups named in `given` (kenya, uganda, parties, providers, users,
    everyone), then the single actors named, each overriding what came before."""
    table = dict.fromkeys(ACTORS, default)
    for key in sorted(given, key=lambda key: key in ACTORS):
        for actor in GROUPS.get(key, (key,)):
            table[actor] = given[key]
    return table


# --- what they get -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """An expected answer. `allowed`: the request went through (it may change data); otherwise it must change
    nothing. `status`: the exact status, where the outcome's name does not fix one. `changes`: allowed, and it
    must write an audit entry, to show that the change really happened."""

    name: str
    allowed: bool
    status: int | None = None
    changes: bool = False

    def problem(self, response) -> str | None:
        """Why the response is not this outcome, or None."""
        status = response.status_code
        location = urlsplit(response.headers.get("Location", ""))
        to_login = status == 302 and location.path == "/login"
        if self.name == "LOGIN":
            return None if to_login and location.query.startswith("next=") else f"answered {status} {location.path}"
        if self.status is not None:
            return None if status == self.status and not to_login else f"answered {status} {location.path}"
        return None if 200 <= status < 400 and not to_login else f"answered {status} {location.path}"

    def __repr__(self) -> str:
        return self.name if self.name not in ("ANSWERS", "REFUSED") else f"{self.name}({self.status})"


OK = Outcome("OK", allowed=True)  # 2xx, or a redirect elsewhere than the login page
DONE = Outcome("DONE", allowed=True, changes=True)  # OK, and audited
LOGIN = Outcome("LOGIN", allowed=False)  # 302 to /login?next=…
UNAUTHORIZED = Outcome("UNAUTHORIZED", allowed=False, status=401)
FORBIDDEN = Outcome("FORBIDDEN", allowed=False, status=403)
NOT_FOUND = Outcome("NOT_FOUND", allowed=False, status=404)


def answers(status: int, *, changes: bool = False) -> Outcome:
    """Allowed, answering with this status: 201 or 204 for an API creation or deletion, 200 for a start that
    finds the assessment already started."""
    return Outcome("ANSWERS", allowed=True, status=status, changes=changes)


def refused(status: int) -> Outcome:
    """Not allowed, and the page says so itself because the user may see the object: the service refuses the
    step (a flashed message and a redirect, the page again with 422, or the API's 422). Nothing may change."""
    return Outcome("REFUSED", allowed=False, status=status)


def expect(default: Outcome, **given: Outcome) -> dict[str, Outcome]:
    return by_actor(default, given)


PUBLIC = expect(OK)
LOGGED_IN = expect(OK, anonymous=LOGIN)
SECRETARIAT_ONLY = expect(FORBIDDEN, anonymous=LOGIN, secretariat=OK)
SECRETARIAT_DOES = expect(FORBIDDEN, anonymous=LOGIN, secretariat=DONE)
API_LOGGED_IN = expect(OK, anonymous=UNAUTHORIZED)


@dataclass(frozen=True)
class Row:
    """One request: `endpoint` and `method` as in app.url_map; `url` and `body` with {placeholders} filled from
    the world; `variant` names a further row of the same endpoint and method (another object, another state);
    `hides`: texts that must not be in the answer to each actor (another Party's or organisation's rows), and
    `shows` those that must, so that a text hidden from some is known to be there for the others."""

    endpoint: str
    method: str
    url: str
    expected: dict[str, Outcome]
    body: dict | None = None
    variant: str = ""
    hides: dict[str, tuple[str, ...]] = field(default_factory=dict)
    shows: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def api(self) -> bool:
        return self.url.startswith("/api/")

    @property
    def id(self) -> str:
        return f"{self.method} {self.endpoint}" + (f" [{self.variant}]" if self.variant else "")


def get(endpoint, url, expected, variant="", hides=None, shows=None):
    return Row(endpoint, "GET", url, expected, variant=variant, hides=hides or {}, shows=shows or {})


def post(endpoint, url, expected, body=None, variant=""):
    return Row(endpoint, "POST", url, expected, body or {}, variant)


def patch(endpoint, url, expected, body, variant=""):
    return Row(endpoint, "PATCH", url, expected, body, variant)


def delete(endpoint, url, expected, variant=""):
    return Row(endpoint, "DELETE", url, expected, variant=variant)


def texts(**given: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Texts by actor, given by actor or group as for `expect`."""
    return {actor: names for actor, names in by_actor((), given).items() if names}


# --- the table ---------------------------------------------------------------------------------------------

# Texts of the world, looked for in the pages that must show them to some and not to others.
KENYA_ACTIVITY = "Kenyan customs training"
A_ACTIVITY = "Laboratory course of A"
A_OFFER = "Detection training of A"
A_DRAFT_OFFER = "Draft course of A"
KENYA_IN_JSON = '"KEN"'
KENYA = "Kenya"
COUNTED = "Counted"
NOTICES = {actor: f"Notice for {actor}" for actor in ACTORS[1:]}  # each user's notification

ACTIVITIES = dict(
    hides=texts(anonymous=(KENYA_ACTIVITY, A_ACTIVITY), kenya=(A_ACTIVITY,), provider=(KENYA_ACTIVITY,),
                uganda=(KENYA_ACTIVITY, A_ACTIVITY), other_provider=(KENYA_ACTIVITY, A_ACTIVITY)),
    shows=texts(kenya=(KENYA_ACTIVITY,), provider=(A_ACTIVITY,), secretariat=(KENYA_ACTIVITY, A_ACTIVITY)))
MATCHES = dict(hides=texts(uganda=(A_OFFER,), other_provider=(A_OFFER,)),
               shows=texts(kenya=(A_OFFER,), provider=(A_OFFER,), secretariat=(A_OFFER,)))
CATALOGUE = dict(hides=texts(everyone=(A_DRAFT_OFFER,)), shows=texts(everyone=(A_OFFER,)))
OWN_NOTIFICATIONS = dict(hides=texts(**{actor: tuple(notice for other, notice in NOTICES.items() if other != actor)
                                        for actor in NOTICES}),
                         shows=texts(**{actor: (notice,) for actor, notice in NOTICES.items()}))

KENYA_READERS = expect(FORBIDDEN, anonymous=LOGIN, kenya=OK, secretariat=OK)
KENYA_WRITERS = expect(FORBIDDEN, anonymous=LOGIN, kenya=DONE)
KENYA_FOCAL_POINT_DOES = expect(FORBIDDEN, anonymous=LOGIN, focal_point=DONE)
A_READERS = expect(FORBIDDEN, anonymous=LOGIN, provider=OK, secretariat=OK)
A_WRITERS = expect(FORBIDDEN, anonymous=LOGIN, provider=DONE, secretariat=DONE)
EXPLORERS = expect(FORBIDDEN, anonymous=LOGIN, providers=OK, secretariat=OK)
# A match of Kenya and organisation A: the other Party's and the other organisation's users do not learn that it
# exists. The Secretariat reads every match and takes no step.
MATCH_READERS = expect(NOT_FOUND, anonymous=LOGIN, kenya=OK, provider=OK, secretariat=OK)
API_OUTSIDERS = dict(anonymous=UNAUTHORIZED, uganda=NOT_FOUND, other_provider=NOT_FOUND)

ROWS = [
    # --- pages anyone reads ---
    get("core.home", "/", PUBLIC),
    post("core.set_language", "/language", PUBLIC, {"language": "zh", "next": "/framework"}),
    get("core.healthz", "/healthz", PUBLIC),
    get("framework.index", "/framework", PUBLIC),
    get("framework.goal", "/framework/A.1", PUBLIC),
    get("framework.key_area", "/framework/key-areas/A.1(1)", PUBLIC),
    get("parties.index", "/parties", PUBLIC),
    get("parties.detail", "/parties/KEN", PUBLIC),
    # Where Kenya stands is for its own users and the Secretariat: its assessment is not public.
    get("indicators.party", "/parties/KEN/indicators", PUBLIC,
        hides=texts(everyone=(COUNTED,), kenya=(), secretariat=()),
        shows=texts(kenya=(COUNTED,), secretariat=(COUNTED,))),
    get("indicators.index", "/indicators", PUBLIC),
    # Kenya is counted in the value; only the Secretariat sees it named.
    get("indicators.detail", "/indicators/A.1(a)", PUBLIC, "CB indicator",
        hides=texts(everyone=(KENYA,), secretariat=()), shows=texts(secretariat=(KENYA,))),
    get("indicators.detail", "/indicators/IP:A.1(a)", PUBLIC, "Annex I indicator"),
    get("indicators.evaluation_report", "/reports/evaluation", PUBLIC),
    get("indicators.evaluation_report_pdf", "/reports/evaluation.pdf", PUBLIC),
    get("gaps.gaps", "/gaps", PUBLIC),
    get("gaps.export", "/gaps/export?format=csv", PUBLIC),
    get("dashboards.public", "/dashboard/public", PUBLIC),
    get("dashboards.public_csv", "/dashboard/public/{dashboard_table}.csv", PUBLIC),
    get("offers.catalogue", "/offers", PUBLIC, **CATALOGUE),
    get("offers.export", "/offers/export?format=csv", PUBLIC, **CATALOGUE),
    get("offers.detail", "/offers/{offer}", PUBLIC, "published"),
    # A draft is its organisation's and the Secretariat's.
    get("offers.detail", "/offers/{draft_offer}", A_READERS, "draft"),
    get("api.docs", "/api/docs", PUBLIC),

    # --- accounts ---
    get("accounts.login", "/login", PUBLIC),  # a logged-in user is sent home
    post("accounts.login", "/login", PUBLIC),  # an empty form: the page again
    post("accounts.logout", "/logout", LOGGED_IN),
    get("accounts.register", "/register", PUBLIC),
    get("accounts.register_party", "/register/party", PUBLIC),
    post("accounts.register_party", "/register/party", PUBLIC),
    get("accounts.register_provider", "/register/organisation", PUBLIC),
    post("accounts.register_provider", "/register/organisation", PUBLIC),
    get("accounts.forgot_password", "/password/forgot", PUBLIC),
    post("accounts.forgot_password", "/password/forgot", PUBLIC),
    # The editor's link: whoever holds it may use it, logged in as someone else or not, as any e-mailed link.
    get("accounts.reset_password", "/password/reset/{reset_token}", PUBLIC),
    post("accounts.reset_password", "/password/reset/{reset_token}", PUBLIC),
    get("accounts.profile", "/profile", LOGGED_IN),
    post("accounts.profile", "/profile", LOGGED_IN),
    get("accounts.change_password", "/profile/password", LOGGED_IN),
    post("accounts.change_password", "/profile/password", LOGGED_IN),
    get("notifications.preferences", "/profile/notifications", LOGGED_IN),
    post("notifications.preferences", "/profile/notifications", LOGGED_IN),
    get("api.tokens", "/profile/tokens", LOGGED_IN),
    post("api.create_token", "/profile/tokens", expect(DONE, anonymous=LOGIN), {"name": "reporting script"}),
    # The editor's own token: nobody else learns that it exists.
    post("api.revoke_token", "/profile/tokens/{editor_spare_token}/revoke",
         expect(NOT_FOUND, anonymous=LOGIN, editor=DONE)),

    # --- the Secretariat's administration ---
    get("accounts.users", "/admin/users", SECRETARIAT_ONLY),
    get("accounts.user_detail", "/admin/users/{applicant}", SECRETARIAT_ONLY),
    post("accounts.user_detail", "/admin/users/{applicant}", SECRETARIAT_ONLY),  # no role chosen: the page again
    post("accounts.approve_user", "/admin/users/{applicant}/approve", SECRETARIAT_DOES),
    post("accounts.deactivate_user", "/admin/users/{applicant}/deactivate", SECRETARIAT_DOES),
    post("accounts.activate_user", "/admin/users/{applicant}/activate", SECRETARIAT_DOES),
    get("organisations.organisations", "/admin/organisations", SECRETARIAT_ONLY),
    get("organisations.edit", "/admin/organisations/{unvetted_organisation}/edit", SECRETARIAT_ONLY),
    post("organisations.edit", "/admin/organisations/{unvetted_organisation}/edit", SECRETARIAT_ONLY),
    post("organisations.vet", "/admin/organisations/{unvetted_organisation}/vet", SECRETARIAT_DOES,
         {"vetted": "yes"}),
    get("audit.audit_log", "/admin/audit", SECRETARIAT_ONLY),
    get("mail.outbox", "/admin/outbox", SECRETARIAT_ONLY),
    get("scheduler.jobs", "/admin/jobs", SECRETARIAT_ONLY),
    get("scheduler.job", "/admin/jobs/{job}", SECRETARIAT_ONLY),
    post("scheduler.run_now", "/admin/jobs/{job}/run", SECRETARIAT_ONLY),  # the run is recorded, not audited
    post("scheduler.pause", "/admin/jobs/{job}/pause", SECRETARIAT_DOES),
    post("scheduler.resume", "/admin/jobs/{paused_job}/resume", SECRETARIAT_DOES),
    get("dashboards.secretariat", "/dashboard", SECRETARIAT_ONLY),
    get("dashboards.secretariat_csv", "/dashboard/{dashboard_table}.csv", SECRETARIAT_ONLY),
    # Asked before the name is looked up: the others do not learn which tables exist.
    get("dashboards.secretariat_csv", "/dashboard/no-such-table.csv",
        expect(FORBIDDEN, anonymous=LOGIN, secretariat=NOT_FOUND), "unknown table"),
    get("indicator_entries.entries_page", "/indicators/A.2(a)/entries", SECRETARIAT_ONLY, "CB indicator"),
    get("indicator_entries.entries_page", "/indicators/IP:A.1(a)/entries", SECRETARIAT_ONLY, "Annex I indicator"),
    post("indicator_entries.entries_page", "/indicators/A.2(a)/entries", SECRETARIAT_DOES,
         {"cycle": "{open_cycle}", "value": "42", "source": "BCH statistics"}),
    post("indicators.recompute", "/indicators/recompute", SECRETARIAT_ONLY),

    # --- assessment cycles ---
    get("assessments.cycles", "/cycles", SECRETARIAT_ONLY),
    get("assessments.new_cycle", "/cycles/new", SECRETARIAT_ONLY),
    post("assessments.new_cycle", "/cycles/new", SECRETARIAT_ONLY),  # an empty form: the page again
    get("assessments.overview", "/cycles/{open_cycle}", SECRETARIAT_ONLY),
    get("assessments.edit_cycle", "/cycles/{open_cycle}/edit", SECRETARIAT_ONLY),
    post("assessments.edit_cycle", "/cycles/{open_cycle}/edit", SECRETARIAT_ONLY),

    # --- Kenya's assessments: a draft in the open cycle, submitted ones in the baseline and the review cycle ---
    get("assessments.index", "/assessments", expect(FORBIDDEN, anonymous=LOGIN, parties=OK, secretariat=OK)),
    # Each Party's users start their own Party's assessment: Kenya's exists already, Uganda's is made.
    post("assessments.start", "/assessments/start/{open_cycle}",
         expect(FORBIDDEN, anonymous=LOGIN, kenya=OK, uganda=DONE), variant="open cycle"),
    post("assessments.start", "/assessments/start/{baseline}", expect(FORBIDDEN, anonymous=LOGIN),
         variant="closed cycle"),
    get("assessments.assessment", "/assessments/{draft}", KENYA_READERS, "draft"),
    get("assessments.assessment", "/assessments/{baseline_assessment}", KENYA_READERS, "submitted"),
    post("assessments.assessment", "/assessments/{draft}", KENYA_WRITERS,
         {"lock_version": "1", "need-{area_b11}-level": "medium"}),
    # The draft has a need already: the copy is refused by the rule, once the permission has let it through.
    post("assessments.copy_previous", "/assessments/{draft}/copy-previous",
         expect(FORBIDDEN, anonymous=LOGIN, kenya=OK)),
    post("assessments.submit", "/assessments/{draft}/submit", KENYA_FOCAL_POINT_DOES),
    post("assessments.reopen", "/assessments/{submitted}/reopen", KENYA_FOCAL_POINT_DOES),
    post("assessments.visibility", "/assessments/{draft}/visibility", KENYA_FOCAL_POINT_DOES,
         {"visibility": "public"}),
    get("assessments.assessment_needs", "/assessments/{draft}/needs?format=csv", KENYA_READERS),
    get("assessments.versions", "/assessments/{baseline_assessment}/versions", KENYA_READERS),
    get("assessments.compare", "/assessments/{baseline_assessment}/compare?from=1&to=current", KENYA_READERS),
    get("assessment_uploads.template", "/assessments/{draft}/template.xlsx", KENYA_READERS),
    get("assessment_uploads.upload", "/assessments/{draft}/upload", expect(FORBIDDEN, anonymous=LOGIN, kenya=OK)),
    post("assessment_uploads.upload", "/assessments/{draft}/upload",  # no file: the page again
         expect(FORBIDDEN, anonymous=LOGIN, kenya=OK)),
    # The editor's preview: only the editor applies it.
    post("assessment_uploads.apply", "/assessments/{draft}/upload/{pending_upload}/apply",
         expect(FORBIDDEN, anonymous=LOGIN, editor=DONE), {"made": "{pending_upload_made}"}),

    # --- activities: Kenya's record and organisation A's ---
    get("activities.index", "/activities", expect(FORBIDDEN, anonymous=LOGIN, users=OK),
        **ACTIVITIES),
    get("activities.export", "/activities/export?format=csv", expect(FORBIDDEN, anonymous=LOGIN, users=OK),
        **ACTIVITIES),
    get("activities.new", "/activities/new", expect(OK, anonymous=LOGIN, secretariat=FORBIDDEN)),
    post("activities.new", "/activities/new", expect(OK, anonymous=LOGIN, secretariat=FORBIDDEN)),
    get("activities.detail", "/activities/{kenya_activity}", KENYA_READERS, "Kenya's"),
    get("activities.detail", "/activities/{organisation_activity}", A_READERS, "organisation A's"),
    # The Secretariat reads Parties' records but does not write them; it may edit organisations'.
    get("activities.edit", "/activities/{kenya_activity}/edit", expect(FORBIDDEN, anonymous=LOGIN, kenya=OK),
        "Kenya's"),
    get("activities.edit", "/activities/{organisation_activity}/edit", A_READERS, "organisation A's"),
    post("activities.edit", "/activities/{kenya_activity}/edit", expect(FORBIDDEN, anonymous=LOGIN, kenya=OK)),
    get("activities.delete", "/activities/{kenya_activity}/delete", expect(FORBIDDEN, anonymous=LOGIN, kenya=OK)),
    post("activities.delete", "/activities/{kenya_activity}/delete", KENYA_WRITERS, variant="Kenya's"),
    post("activities.delete", "/activities/{organisation_activity}/delete", A_WRITERS, variant="organisation A's"),

    # --- offers: A's published offer and its draft ---
    get("offers.mine", "/my-offers", expect(FORBIDDEN, anonymous=LOGIN, providers=OK, secretariat=OK),
        hides=texts(other_provider=(A_OFFER, A_DRAFT_OFFER)),
        shows=texts(provider=(A_OFFER, A_DRAFT_OFFER), secretariat=(A_OFFER, A_DRAFT_OFFER))),
    get("offers.new", "/offers/new", expect(FORBIDDEN, anonymous=LOGIN, providers=OK)),
    post("offers.new", "/offers/new", expect(FORBIDDEN, anonymous=LOGIN, providers=OK)),
    get("offers.edit", "/offers/{draft_offer}/edit", A_READERS),
    post("offers.edit", "/offers/{draft_offer}/edit", A_READERS),
    post("offers.publish", "/offers/{draft_offer}/publish", A_WRITERS),
    post("offers.close", "/offers/{offer}/close", A_WRITERS),
    get("organisations.profile", "/organisation", expect(FORBIDDEN, anonymous=LOGIN, providers=OK)),
    post("organisations.profile", "/organisation", expect(FORBIDDEN, anonymous=LOGIN, providers=OK)),

    # --- the needs explorer: vetted providers and the Secretariat ---
    get("needs.explorer", "/needs", EXPLORERS),
    get("needs.export", "/needs/export?format=csv", EXPLORERS),
    get("needs.heatmap", "/needs/heatmap", EXPLORERS),
    get("needs.heatmap_export", "/needs/heatmap/export?format=csv", EXPLORERS),

    # --- matching: a match of Kenya's need and A's offer in each state a step applies to ---
    get("matching.index", "/matches", LOGGED_IN, **MATCHES),
    get("matching.detail", "/matches/{suggested_match}", MATCH_READERS),
    post("matching.simple_step", "/matches/{suggested_match}/propose",
         expect(NOT_FOUND, anonymous=LOGIN, kenya=DONE, provider=DONE, secretariat=refused(302)),
         {"lock_version": "1"}, "propose"),
    # Kenya proposed it: the provider agrees; Kenya's own agreement is refused.
    post("matching.simple_step", "/matches/{proposed_match}/agree",
         expect(NOT_FOUND, anonymous=LOGIN, kenya=refused(302), provider=DONE, secretariat=refused(302)),
         {"lock_version": "1"}, "agree"),
    post("matching.simple_step", "/matches/{agreed_match}/start",
         expect(NOT_FOUND, anonymous=LOGIN, kenya=refused(302), provider=DONE, secretariat=refused(302)),
         {"lock_version": "1"}, "start delivery"),
    post("matching.reason_step", "/matches/{suggested_match}/decline",
         expect(NOT_FOUND, anonymous=LOGIN, kenya=DONE, provider=DONE, secretariat=refused(422)),
         {"reason-lock_version": "1", "reason-reason": "timing"}, "decline"),
    post("matching.reason_step", "/matches/{agreed_match}/withdraw",
         expect(NOT_FOUND, anonymous=LOGIN, kenya=DONE, provider=DONE, secretariat=refused(422)),
         {"reason-lock_version": "1", "reason-reason": "capacity"}, "withdraw"),
    post("matching.deliver", "/matches/{agreed_match}/deliver",
         expect(NOT_FOUND, anonymous=LOGIN, kenya=FORBIDDEN, provider=DONE, secretariat=FORBIDDEN),
         {"delivery-lock_version": "1", "delivery-activity": "{organisation_activity}"}),
    post("matching.confirm", "/matches/{delivered_match}/confirm",
         expect(NOT_FOUND, anonymous=LOGIN, kenya=DONE, provider=FORBIDDEN, secretariat=FORBIDDEN),
         {"confirm-lock_version": "1", "confirm-rating": "4"}),
    get("matching.runs", "/matching/runs", SECRETARIAT_ONLY),
    post("matching.run_now", "/matching/runs", SECRETARIAT_DOES),
    get("matching.compare", "/matching/runs/compare", SECRETARIAT_ONLY),

    # --- notifications: the editor's ---
    get("notifications.index", "/notifications", LOGGED_IN, **OWN_NOTIFICATIONS),
    get("notifications.follow", "/notifications/{editor_notification}", expect(NOT_FOUND, anonymous=LOGIN, editor=OK)),
    post("notifications.mark_read", "/notifications/{editor_notification}/read",
         expect(NOT_FOUND, anonymous=LOGIN, editor=OK)),  # marking read is not audited
    post("notifications.mark_all_read", "/notifications/read", LOGGED_IN),

    # --- the JSON API, each actor with its Bearer token, anonymous without ---
    get("api-docs.openapi_json", "/api/v1/openapi.json", PUBLIC),
    get("Reference.framework", "/api/v1/framework", PUBLIC),
    get("Reference.parties", "/api/v1/parties", PUBLIC),
    get("Reference.party", "/api/v1/parties/KEN", PUBLIC),
    get("Indicators.indicator_values", "/api/v1/indicators", PUBLIC),
    get("Offers.offers", "/api/v1/offers", PUBLIC, **CATALOGUE),
    get("Offers.offer", "/api/v1/offers/{offer}", PUBLIC, "published"),
    get("Offers.offer", "/api/v1/offers/{draft_offer}", expect(NOT_FOUND, provider=OK, secretariat=OK), "draft"),
    post("Offers.create_offer", "/api/v1/offers",
         expect(FORBIDDEN, anonymous=UNAUTHORIZED, providers=answers(201, changes=True)),
         {"title": "Inspection course", "support_types": ["training"], "key_areas": ["A.8(1)"],
          "languages": ["en"], "capacity": 2}),
    # A draft is not shown to whoever may not edit it; a published offer is, and its change refused.
    patch("Offers.update_offer", "/api/v1/offers/{draft_offer}",
          expect(NOT_FOUND, anonymous=UNAUTHORIZED, provider=DONE, secretariat=DONE),
          {"title": "Renamed", "lock_version": 1}, "draft"),
    patch("Offers.update_offer", "/api/v1/offers/{offer}",
          expect(FORBIDDEN, anonymous=UNAUTHORIZED, provider=DONE, secretariat=DONE),
          {"title": "Renamed", "lock_version": 1}, "published"),
    post("Offers.publish_offer", "/api/v1/offers/{draft_offer}/publish",
         expect(NOT_FOUND, anonymous=UNAUTHORIZED, provider=DONE, secretariat=DONE)),
    post("Offers.close_offer", "/api/v1/offers/{offer}/close",
         expect(FORBIDDEN, anonymous=UNAUTHORIZED, provider=DONE, secretariat=DONE)),
    get("Activities.activities", "/api/v1/activities", PUBLIC,  # empty without a token
        **ACTIVITIES),
    get("Activities.activity", "/api/v1/activities/{kenya_activity}", expect(NOT_FOUND, kenya=OK, secretariat=OK)),
    post("Activities.create_activity", "/api/v1/activities",
         expect(answers(201, changes=True), anonymous=UNAUTHORIZED, secretariat=FORBIDDEN),
         {"title": "Customs training", "status": "planned", "party_role": "organised", "key_areas": ["A.8(1)"]}),
    patch("Activities.update_activity", "/api/v1/activities/{kenya_activity}",
          expect(NOT_FOUND, anonymous=UNAUTHORIZED, kenya=DONE, secretariat=FORBIDDEN),
          {"title": "Renamed", "lock_version": 1}, "Kenya's"),
    patch("Activities.update_activity", "/api/v1/activities/{organisation_activity}",
          expect(NOT_FOUND, anonymous=UNAUTHORIZED, provider=DONE, secretariat=DONE),
          {"title": "Renamed", "lock_version": 1}, "organisation A's"),
    delete("Activities.delete_activity", "/api/v1/activities/{kenya_activity}",
           expect(NOT_FOUND, anonymous=UNAUTHORIZED, kenya=answers(204, changes=True), secretariat=FORBIDDEN)),
    get("Assessments.assessments", "/api/v1/assessments", API_LOGGED_IN,
        hides=texts(uganda=(KENYA_IN_JSON,), providers=(KENYA_IN_JSON,)),
        shows=texts(kenya=(KENYA_IN_JSON,), secretariat=(KENYA_IN_JSON,))),
    post("Assessments.start_assessment", "/api/v1/assessments",
         expect(FORBIDDEN, anonymous=UNAUTHORIZED, kenya=answers(200), uganda=answers(201, changes=True)),
         {"cycle": "{open_cycle_name}"}),
    get("Assessments.assessment", "/api/v1/assessments/{draft}",
        expect(NOT_FOUND, anonymous=UNAUTHORIZED, kenya=OK, secretariat=OK)),
    patch("Assessments.save_assessment", "/api/v1/assessments/{draft}",
          expect(NOT_FOUND, anonymous=UNAUTHORIZED, kenya=DONE, secretariat=FORBIDDEN),
          {"lock_version": 1, "needs": {"B.1(1)": {"level": "medium"}}}),
    post("Assessments.submit_assessment", "/api/v1/assessments/{draft}/submit",
         expect(NOT_FOUND, anonymous=UNAUTHORIZED, kenya=FORBIDDEN, focal_point=DONE, secretariat=FORBIDDEN)),
    post("Assessments.reopen_assessment", "/api/v1/assessments/{submitted}/reopen",
         expect(NOT_FOUND, anonymous=UNAUTHORIZED, kenya=FORBIDDEN, focal_point=DONE, secretariat=FORBIDDEN)),
    post("Assessments.set_visibility", "/api/v1/assessments/{draft}/visibility",
         expect(NOT_FOUND, anonymous=UNAUTHORIZED, kenya=FORBIDDEN, focal_point=DONE, secretariat=FORBIDDEN),
         {"visibility": "public"}),
    get("Needs.needs", "/api/v1/needs", API_LOGGED_IN, hides=texts(uganda=(KENYA_IN_JSON,)),
        shows=texts(kenya=(KENYA_IN_JSON,), providers=(KENYA_IN_JSON,), secretariat=(KENYA_IN_JSON,))),
    get("Matches.matches", "/api/v1/matches", API_LOGGED_IN, **MATCHES),
    get("Matches.match", "/api/v1/matches/{suggested_match}", expect(OK, **API_OUTSIDERS)),
    post("Matches.propose", "/api/v1/matches/{suggested_match}/propose",
         expect(DONE, **API_OUTSIDERS, secretariat=FORBIDDEN), {"lock_version": 1}),
    post("Matches.agree", "/api/v1/matches/{proposed_match}/agree",
         expect(DONE, **API_OUTSIDERS, secretariat=FORBIDDEN, kenya=refused(422)), {"lock_version": 1}),
    post("Matches.decline", "/api/v1/matches/{suggested_match}/decline",
         expect(DONE, **API_OUTSIDERS, secretariat=FORBIDDEN), {"lock_version": 1, "reason": "timing"}),
    post("Matches.withdraw", "/api/v1/matches/{agreed_match}/withdraw",
         expect(DONE, **API_OUTSIDERS, secretariat=FORBIDDEN), {"lock_version": 1, "reason": "capacity"}),
    post("Matches.start_delivery", "/api/v1/matches/{agreed_match}/start_delivery",
         expect(DONE, **API_OUTSIDERS, secretariat=FORBIDDEN, kenya=FORBIDDEN), {"lock_version": 1}),
    post("Matches.record_delivery", "/api/v1/matches/{agreed_match}/record_delivery",
         expect(DONE, **API_OUTSIDERS, secretariat=FORBIDDEN, kenya=FORBIDDEN),
         {"lock_version": 1, "activity_id": "{organisation_activity}"}),
    post("Matches.confirm", "/api/v1/matches/{delivered_match}/confirm",
         expect(DONE, **API_OUTSIDERS, secretariat=FORBIDDEN, provider=FORBIDDEN), {"lock_version": 1, "rating": 4}),
]

# Files served as they are, to anyone: nothing to ask permission for.
NOT_WALKED = {"static"}
WALKED_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


# --- the world: one of each object the routes take -----------------------------------------------------------

MATCH_AREAS = {SUGGESTED: "A.8(1)", PROPOSED: "A.8(2)", AGREED: "A.3(1)", DELIVERED: "A.5(1)"}
USERS = {  # role, Party, organisation
    EDITOR: (PARTY_EDITOR, "KEN", None),
    FOCAL_POINT: (PARTY_FOCAL_POINT, "KEN", None),
    PROVIDER_A: (PROVIDER, None, "A"),
    SECRETARIAT_USER: (SECRETARIAT, None, None),
    OTHER_EDITOR: (PARTY_EDITOR, "UGA", None),
    OTHER_FOCAL_POINT: (PARTY_FOCAL_POINT, "UGA", None),
    OTHER_PROVIDER: (PROVIDER, None, "B"),
}
PASSWORD_HASH = "pbkdf2:sha256:1000$walk$" + "0" * 64  # nobody logs in with a password here


@dataclass
class World:
    ids: dict = field(default_factory=dict)  # placeholder → value, for the URLs and bodies
    users: dict = field(default_factory=dict)  # actor → user id
    secrets: dict = field(default_factory=dict)  # actor → API token secret


def build_world() -> World:
    """Everything the routes take, written directly in one transaction: no service runs, so nothing is audited,
    notified or mailed, and every lock_version is 1."""
    now = utcnow()
    areas = {area.code: area for area in db.session.scalars(db.select(KeyArea))}
    parties = {p.iso3: p for p in db.session.scalars(db.select(Party).where(Party.iso3.in_(("KEN", "UGA", "PER"))))}
    kenya = parties["KEN"]

    organisations = {"A": Organisation(name="Organisation A", type="university", vetted=True, created_at=now),
                     "B": Organisation(name="Organisation B", type="ngo", vetted=True, created_at=now)}
    unvetted = Organisation(name="Unvetted organisation", type="ngo", vetted=False, created_at=now)
    users = {actor: User(email=f"{actor}@example.org", name=actor.replace("_", " ").title(), role=role,
                         status=ACTIVE, password_hash=PASSWORD_HASH, created_at=now,
                         party=parties.get(iso3), organisation=organisations.get(organisation))
             for actor, (role, iso3, organisation) in USERS.items()}
    applicant = User(email="applicant@example.org", name="Applicant", role=PARTY_EDITOR, status=PENDING,
                     password_hash=PASSWORD_HASH, created_at=now, party=parties["PER"])

    def cycle(name, opens_days_ago, baseline=False):
        opens_on = today() - timedelta(days=opens_days_ago)
        return AssessmentCycle(name=name, opens_on=opens_on, closes_on=opens_on + timedelta(days=60),
                               reference_date=opens_on, baseline=baseline, created_at=now)

    def assessment(in_cycle, status, levels: dict[str, str]):
        need = {"priority": 1, "support_types": ["training"], "languages": ["en"]}
        made = Assessment(party=kenya, cycle=in_cycle, status=status, version=1, visibility="providers",
                          created_at=now, updated_at=now, submitted_at=now if status == SUBMITTED else None,
                          needs=[Need(key_area=areas[code], level=level, **need) for code, level in levels.items()])
        if status == SUBMITTED:
            made.versions = [AssessmentVersion(version=1, submitted_at=now, content={
                "visibility": "providers", "answers": {},
                "needs": {code: {"level": level, **need} for code, level in levels.items()}})]
        return made

    baseline = cycle("Baseline", opens_days_ago=700, baseline=True)
    open_cycle = cycle("Mid-term", opens_days_ago=10)
    review_cycle = cycle("Review", opens_days_ago=5)  # also open: Kenya's submitted assessment there can be reopened
    baseline_assessment = assessment(baseline, SUBMITTED, dict.fromkeys(MATCH_AREAS.values(), "high"))
    draft = assessment(open_cycle, DRAFT, {"A.1(1)": "low"})
    submitted = assessment(review_cycle, SUBMITTED, {"A.1(1)": "high"})

    offer = Offer(organisation=organisations["A"], title=A_OFFER, status=OPEN, capacity=5,
                  key_areas=[areas[code] for code in MATCH_AREAS.values()], support_types=["training"],
                  languages=["en"], created_at=now, updated_at=now, published_at=now)
    draft_offer = Offer(organisation=organisations["A"], title=A_DRAFT_OFFER, status=OFFER_DRAFT, capacity=2,
                        key_areas=[areas["A.8(1)"]], support_types=["training"], languages=["en"],
                        created_at=now, updated_at=now)
    for each in (offer, draft_offer):
        each.search_text = offer_search_text(each)
    kenya_activity = Activity(party=kenya, party_role="organised", title=KENYA_ACTIVITY, status="completed",
                              start_date=today() - timedelta(days=30), key_areas=[areas["A.1(1)"]],
                              created_at=now, updated_at=now)
    organisation_activity = Activity(organisation=organisations["A"], title=A_ACTIVITY, status="completed",
                                     start_date=today() - timedelta(days=20), key_areas=[areas["A.8(1)"]],
                                     created_at=now, updated_at=now)
    needs = {need.key_area.code: need for need in baseline_assessment.needs}
    matches = {status: Match(party=kenya, key_area=areas[code], need=needs[code], offer=offer, status=status,
                             score=5.0, components={}, created_at=now, step_at=now,
                             proposed_by=None if status == SUGGESTED else PARTY_SIDE,
                             activity=organisation_activity if status == DELIVERED else None)
               for status, code in MATCH_AREAS.items()}
    notifications = {actor: Notification(user=user, kind=kinds.MATCH_AGREED, key="walk", created_at=now, url="/matches",
                                         params={"offer": NOTICES[actor], "party": {"en": "Kenya"},
                                                 "key_area": "A.8(1)", "actor": "Organisation A"})
                     for actor, user in users.items()}
    world = World(secrets={actor: f"walk-{actor}-secret" for actor in users})
    tokens = [ApiToken(user=user, name="walk", prefix=world.secrets[actor][:8],
                       token_hash=token_hash(world.secrets[actor]), created_at=now) for actor, user in users.items()]
    spare_token = ApiToken(user=users[EDITOR], name="spare", prefix="spare-to", token_hash=token_hash("spare"),
                           created_at=now)
    # A computed value, so that the report and its PDF have a cycle to show.
    value = IndicatorValue(code="A.1(a)", cycle=open_cycle, scope="global", numerator=1, denominator=2, value=0.5,
                           parties=[kenya.id], members=[kenya.id], computed_at=now)
    db.session.add_all([*organisations.values(), unvetted, *users.values(), applicant, baseline_assessment, draft,
                        submitted, offer, draft_offer, kenya_activity, organisation_activity, *matches.values(),
                        *notifications.values(), *tokens, spare_token, value, JobSetting(job="digests", paused=True)])
    db.session.flush()
    pending = PendingUpload(assessment_id=draft.id, user_id=users[EDITOR].id, created_at=now, lock_version=1,
                            content={"needs": {"A.2(1)": {"level": "medium"}}, "answers": {}})
    db.session.add(pending)
    db.session.flush()

    world.users = {actor: user.id for actor, user in users.items()}
    world.ids = {
        "applicant": applicant.id, "unvetted_organisation": unvetted.id,
        "baseline": baseline.id, "open_cycle": open_cycle.id, "open_cycle_name": open_cycle.name,
        "draft": draft.id, "submitted": submitted.id, "baseline_assessment": baseline_assessment.id,
        "area_b11": areas["B.1(1)"].id, "pending_upload": pending.id,
        "offer": offer.id, "draft_offer": draft_offer.id,
        "kenya_activity": kenya_activity.id, "organisation_activity": organisation_activity.id,
        **{f"{status}_match": match.id for status, match in matches.items()},
        "editor_notification": notifications[EDITOR].id, "editor_spare_token": spare_token.id,
        "reset_token": password_reset_token(users[EDITOR]),
        "job": "deliver_mail", "paused_job": "digests", "dashboard_table": "submissions",
    }
    db.session.commit()
    # The time as the database gives it back, which the apply button sends.
    world.ids["pending_upload_made"] = db.session.get(PendingUpload, pending.id).created_at.isoformat()
    db.session.rollback()
    return world


def clear_world() -> None:
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in REFERENCE_TABLES:
                connection.execute(table.delete())


RAW_CSRF = "route-access-walk"


def log_in(app, clients: dict, world: World) -> str:
    """Each actor's browser holds a session of its user, as Flask-Login keeps it, and a CSRF token: half a
    millisecond an actor, where the login form takes some 12 (about 18 s a run). Returns the signed token that
    forms carry."""
    for actor, client in clients.items():
        with client.session_transaction() as session:
            session.clear()
            session["csrf_token"] = RAW_CSRF
            if actor != ANONYMOUS:
                session["_user_id"] = str(world.users[actor])
                session["_fresh"] = True
    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(RAW_CSRF)


def fill(value, ids: dict):
    """Placeholders filled in; a JSON value that is a whole placeholder for an id becomes the number."""
    if isinstance(value, str):
        filled = value.format(**ids)
        return int(filled) if value.startswith("{") and value != filled and filled.isdigit() else filled
    if isinstance(value, dict):
        return {fill(key, ids): fill(inner, ids) for key, inner in value.items()}
    if isinstance(value, list):
        return [fill(inner, ids) for inner in value]
    return value


def traces() -> tuple:
    """What a change leaves, the audit entries first: mail, notifications and which are read, the version of
    every object that keeps one, active accounts and working tokens."""
    return tuple(db.session.execute(text(
        "SELECT (SELECT count(*) FROM audit_entry), (SELECT count(*) FROM outbox_message),"
        " (SELECT count(*) FROM notification), (SELECT count(*) FROM notification WHERE read_at IS NULL),"
        " (SELECT coalesce(sum(lock_version), 0) + count(*) FROM assessment),"
        " (SELECT coalesce(sum(lock_version), 0) + count(*) FROM offer),"
        " (SELECT coalesce(sum(lock_version), 0) + count(*) FROM activity),"
        " (SELECT coalesce(sum(lock_version), 0) + count(*) FROM offer_match),"
        " (SELECT count(*) FROM user_account WHERE status = 'active'),"
        " (SELECT count(*) FROM api_token WHERE revoked_at IS NULL)")).one())


# --- the tests ---------------------------------------------------------------------------------------------

def routes(app) -> set[tuple[str, str]]:
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules() if rule.endpoint not in NOT_WALKED
            for method in rule.methods & WALKED_METHODS}


def test_every_route_has_an_expectation(app):
    rows = {(row.endpoint, row.method) for row in ROWS}
    missing = sorted(routes(app) - rows)
    gone = sorted(rows - routes(app))
    assert not missing, "routes without a row in ROWS: " + ", ".join(f"{m} {e}" for e, m in missing)
    assert not gone, "rows of routes that no longer exist: " + ", ".join(f"{m} {e}" for e, m in gone)
    assert len({row.id for row in ROWS}) == len(ROWS), "two rows with the same endpoint, method and variant"


@pytest.fixture
def quick_pdf(monkeypatch):
    """Who gets the report's PDF is checked here; laying it out (two seconds each time) is
    tests/test_indicators.py's."""
    monkeypatch.setattr("tracker.indicators.views.render_pdf", lambda html: b"%PDF-1.7\n")


def _in_order(row: Row) -> list[str]:
    """The refused actors first, so that an allowed request that changes data comes after every refusal."""
    return sorted(ACTORS, key=lambda actor: row.expected[actor].allowed)


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_route_answers_each_actor_as_expected(app, ctx, quick_pdf, row):
    clients = {actor: app.test_client() for actor in ACTORS}
    world = build_world()
    csrf = log_in(app, clients, world)
    built = traces()
    failures = []
    for actor in _in_order(row):
        expected = row.expected[actor]
        if expected.allowed and traces() != built:  # an allowed request before this one changed the world
            clear_world()
            world = build_world()
            csrf = log_in(app, clients, world)
            built = traces()
        before = traces()
        response = _send(clients[actor], row, world, actor, csrf)
        after = traces()
        db.session.rollback()
        problem = expected.problem(response)
        if problem is None and not expected.allowed and after != before:
            problem = "was refused but changed something"
        if problem is None and expected.changes and after[0] == before[0]:
            problem = "was let through but changed nothing"
        if problem is None and (row.hides.get(actor) or row.shows.get(actor)):
            body = response.get_data(as_text=True)
            if shown := [name for name in row.hides.get(actor, ()) if name in body]:
                problem = f"shows {', '.join(shown)}"
            elif missing := [name for name in row.shows.get(actor, ()) if name not in body]:
                problem = f"does not show {', '.join(missing)}"
        if problem is not None:
            failures.append(f"{actor}: expected {expected!r}, {problem}")
    assert not failures, f"{row.id} {row.url}:\n  " + "\n  ".join(failures)


def _send(client, row: Row, world: World, actor: str, csrf: str):
    url = fill(row.url, world.ids)
    if row.api:
        headers = {} if actor == ANONYMOUS else {"Authorization": f"Bearer {world.secrets[actor]}"}
        body = {"json": fill(row.body, world.ids)} if row.body is not None else {}
        return client.open(url, method=row.method, headers=headers, **body)
    if row.method == "GET":
        return client.get(url)
    return client.open(url, method=row.method, data={"csrf_token": csrf, **fill(row.body, world.ids)})
