"""Who may explore the Parties' needs, and which of them each may see.

A Party chooses who sees its needs (`Assessment.visibility`): the Secretariat only, vetted providers
too, or everyone. The explorer is for vetted providers and the Secretariat; a provider whose
organisation the Secretariat has not vetted yet sees nothing until it is vetted.
"""
from tracker.accounts.models import PROVIDER
from tracker.accounts.permissions import acts_for_organisation, is_secretariat

# Which visibilities each kind of explorer may read. "public" needs are also open to vetted providers.
PROVIDER_VISIBILITIES = ("providers", "public")
SECRETARIAT_VISIBILITIES = ("secretariat", "providers", "public")


def is_vetted_provider(user) -> bool:
    """A provider acting for an organisation the Secretariat has vetted."""
    organisation = getattr(user, "organisation", None) if user is not None and user.is_authenticated else None
    return acts_for_organisation(user, organisation) and organisation.vetted


def awaits_vetting(user) -> bool:
    """A provider whose organisation is not vetted yet: told why the explorer is closed to them."""
    return (user is not None and user.is_authenticated and user.has_role(PROVIDER)
            and user.organisation is not None and not user.organisation.vetted)


def can_explore_needs(user) -> bool:
    return is_secretariat(user) or is_vetted_provider(user)


def visible_visibilities(user) -> tuple[str, ...]:
    """The assessment visibilities whose needs this user may read (none for anyone else)."""
    if is_secretariat(user):
        return SECRETARIAT_VISIBILITIES
    if is_vetted_provider(user):
        return PROVIDER_VISIBILITIES
    return ()


def can_include_drafts(user) -> bool:
    """Drafts are the Party's work in progress: only the Secretariat may look at them, and only on request."""
    return is_secretariat(user)
