"""Who may read and change offers. Every check runs on the server, against the object."""
from tracker.accounts.models import PROVIDER
from tracker.accounts.permissions import acts_for_organisation, is_secretariat
from tracker.offers.models import DRAFT


def is_provider_with_organisation(user) -> bool:
    return (user is not None and user.is_authenticated and user.has_role(PROVIDER)
            and user.organisation_id is not None)


def can_list_own_offers(user) -> bool:
    """/my-offers: a provider sees its organisation's offers, drafts included; the Secretariat sees every offer."""
    return is_provider_with_organisation(user) or is_secretariat(user)


def can_create_offer(user, organisation) -> bool:
    """Offers are written by the organisation's own staff."""
    return acts_for_organisation(user, organisation)


def can_edit_offer(user, offer) -> bool:
    """Edit, publish and close: the organisation's providers, and the Secretariat for every offer."""
    return is_secretariat(user) or acts_for_organisation(user, offer.organisation)


def can_view_offer(user, offer) -> bool:
    """A published offer (open, closed or expired) is public; a draft only for those who may edit it."""
    return offer.status != DRAFT or can_edit_offer(user, offer)


def can_edit_organisation_profile(user, organisation) -> bool:
    return is_secretariat(user) or acts_for_organisation(user, organisation)


def can_rename_organisation(user, organisation) -> bool:
    """Once the Secretariat has vetted an organisation, only the Secretariat changes its name."""
    return is_secretariat(user) or (acts_for_organisation(user, organisation) and not organisation.vetted)
