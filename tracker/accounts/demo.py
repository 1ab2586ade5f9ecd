"""Demo accounts, one per role, for trying the tracker out. Never loaded in production."""
import os

from tracker.accounts.models import ACTIVE, PARTY_EDITOR, PARTY_FOCAL_POINT, PENDING, PROVIDER, SECRETARIAT, User
from tracker.audit.services import record, snapshot
from tracker.clock import utcnow
from tracker.extensions import db
from tracker.organisations.models import Organisation
from tracker.parties.models import Party

DEMO_ORGANISATION = "Demo Biosafety Training Network (demo data)"
DEMO_ACCOUNTS = [
    # email, name, role, party iso3, organisation, status
    ("secretariat@example.org", "Demo Secretariat officer", SECRETARIAT, None, False, ACTIVE),
    ("focal.point.ken@example.org", "Demo focal point, Kenya", PARTY_FOCAL_POINT, "KEN", False, ACTIVE),
    ("editor.ken@example.org", "Demo editor, Kenya", PARTY_EDITOR, "KEN", False, ACTIVE),
    ("provider@example.org", "Demo provider", PROVIDER, None, True, ACTIVE),
    ("applicant.per@example.org", "Demo applicant, Peru", PARTY_EDITOR, "PER", False, PENDING),
]


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD", "biosafety-demo")


def load_demo_accounts() -> list[tuple[str, str, str]]:
    """Create the demo accounts that do not exist yet. Returns (email, role, status) of every demo account."""
    organisation = db.session.scalar(db.select(Organisation).where(Organisation.name == DEMO_ORGANISATION))
    if organisation is None:
        kenya = db.session.scalar(db.select(Party).where(Party.iso3 == "KEN"))
        organisation = Organisation(name=DEMO_ORGANISATION, type="laboratory", country=kenya,
                                    website="https://example.org", vetted=True, vetted_at=utcnow(),
                                    created_at=utcnow())
        db.session.add(organisation)
        db.session.flush()
        record(None, "demo.create", organisation, after=snapshot(organisation, ("name", "type", "country_id", "website", "vetted")))
    for email, name, role, iso3, with_organisation, status in DEMO_ACCOUNTS:
        if db.session.scalar(db.select(User.id).where(User.email == email)):
            continue
        party = db.session.scalar(db.select(Party).where(Party.iso3 == iso3)) if iso3 else None
        user = User(email=email, name=name, role=role, status=status, party=party,
                    organisation=organisation if with_organisation else None, locale="en",
                    created_at=utcnow(), approved_at=utcnow() if status == ACTIVE else None)
        user.set_password(demo_password())
        db.session.add(user)
        db.session.flush()
        record(None, "demo.create", user, after=snapshot(user, ("email", "name", "role", "status", "party_id", "organisation_id")))
    return [(email, role, status) for email, _, role, _, _, status in DEMO_ACCOUNTS]
