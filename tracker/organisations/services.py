from flask_babel import gettext as _

from tracker.accounts import permissions
from tracker.audit.services import record, snapshot
from tracker.clock import utcnow
from tracker.errors import PermissionDenied

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
