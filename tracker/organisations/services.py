from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import ngettext

from tracker.accounts import permissions
from tracker.audit.services import record, snapshot
from tracker.clock import utcnow
from tracker.errors import InvalidInput, PermissionDenied
from tracker.extensions import db
from tracker.validation import is_web_link
from tracker.offers.permissions import can_edit_organisation_profile, can_rename_organisation
from tracker.organisations.models import ORGANISATION_TYPES, Organisation
from tracker.parties.models import Party

ORGANISATION_AUDIT_FIELDS = ("name", "type", "country_id", "website", "vetted")


def set_vetted(organisation, vetted: bool, *, actor) -> None:
    """The Secretariat vouches for an organisation (or withdraws it); only vetted ones publish offers."""
    if not permissions.can_vet_organisations(actor):
        raise PermissionDenied(_("You are not allowed to do this."))
    before = snapshot(organisation, ORGANISATION_AUDIT_FIELDS)
    organisation.vetted = vetted
    organisation.vetted_at = utcnow() if vetted else None
    record(actor, "organisation.vet" if vetted else "organisation.unvet", organisation,
           before=before, after=snapshot(organisation, ORGANISATION_AUDIT_FIELDS))


# --- the profile ---------------------------------------------------------------------------------

MAX_NAME = 200
MAX_WEBSITE = 300
MAX_DESCRIPTION = 10_000
MAX_EMAIL = 254
PROFILE_AUDIT_FIELDS = ("name", "type", "country_id", "website", "description", "contact_email")


@dataclass
class OrganisationProfileInput:
    """What a provider (or the Secretariat) says about an organisation; the country by ISO3."""

    name: str
    type: str
    country: str | None = None
    website: str = ""
    description: str = ""
    contact_email: str = ""


def checked_email(value: str, errors: dict, name: str) -> str:
    """A contact address, normalised, or an error under `name` in `errors`. Empty is allowed."""
    email = (value or "").strip()
    if not email:
        return ""
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError:
        errors[name] = _("Give a valid e-mail address, such as name@example.org.")
        return email
    if len(email) > MAX_EMAIL:
        errors[name] = _("The e-mail address is too long.")
    return email



def update_organisation_profile(organisation: Organisation, data: OrganisationProfileInput, *, actor) -> bool:
    """Save the organisation's profile. Its own providers may rename it only until the Secretariat vets it.
    Returns whether anything changed."""
    if not can_edit_organisation_profile(actor, organisation):
        raise PermissionDenied(_("You are not allowed to do this."))
    errors = {}
    name = (data.name or "").strip()
    if name != organisation.name and not can_rename_organisation(actor, organisation):
        errors["name"] = _("The Secretariat has vetted the organisation under its present name; ask the Secretariat "
                           "to change it.")
    elif not name:
        errors["name"] = _("Give the name of the organisation.")
    elif len(name) > MAX_NAME:
        errors["name"] = _("The name is longer than %(n)d characters.", n=MAX_NAME)
    elif db.session.scalar(db.select(Organisation.id).where(
            db.func.lower(Organisation.name) == name.lower(), Organisation.id != organisation.id)):
        errors["name"] = _("Another organisation already has this name.")
    if data.type not in ORGANISATION_TYPES:
        errors["type"] = _("Choose the type of organisation.")
    country = None
    if data.country:
        country = db.session.scalar(db.select(Party).where(Party.iso3 == data.country))
        if country is None:
            errors["country"] = _("Choose the country from the list.")
    website = (data.website or "").strip()
    if website and not is_web_link(website):
        errors["website"] = _("The website must start with http:// or https://.")
    elif len(website) > MAX_WEBSITE:
        errors["website"] = _("The link is too long.")
    description = (data.description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = _("This text is longer than %(n)d characters.", n=MAX_DESCRIPTION)
    email = checked_email(data.contact_email, errors, "contact_email")
    if errors:
        raise InvalidInput(ngettext("%(num)d field needs correcting. Nothing was saved.",
                                    "%(num)d fields need correcting. Nothing was saved.", len(errors)), errors)

    before = snapshot(organisation, PROFILE_AUDIT_FIELDS)
    organisation.name = name
    organisation.type = data.type
    organisation.country = country
    organisation.website = website
    organisation.description = description
    organisation.contact_email = email
    db.session.flush()
    after = snapshot(organisation, PROFILE_AUDIT_FIELDS)
    changed = [field for field in PROFILE_AUDIT_FIELDS if before[field] != after[field]]
    if not changed:
        return False
    record(actor, "organisation.update", organisation, before={field: before[field] for field in changed},
           after={field: after[field] for field in changed})
    return True
