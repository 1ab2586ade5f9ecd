"""Who may do what with accounts and organisations. Every check runs on the server."""
from tracker.accounts.models import PARTY_ROLES, PROVIDER, SECRETARIAT


def is_secretariat(user) -> bool:
    return user is not None and user.is_authenticated and user.has_role(SECRETARIAT)


def can_manage_users(user) -> bool:
    """Approve, deactivate and set roles of accounts."""
    return is_secretariat(user)


def can_vet_organisations(user) -> bool:
    return is_secretariat(user)


def can_read_audit_log(user) -> bool:
    return is_secretariat(user)


def can_read_outbox(user) -> bool:
    return is_secretariat(user)


def acts_for_party(user, party) -> bool:
    """A party editor or focal point acting for this Party."""
    return (
        user is not None and user.is_authenticated and user.has_role(*PARTY_ROLES)
        and party is not None and user.party_id == party.id
    )


def acts_for_organisation(user, organisation) -> bool:
    return (
        user is not None and user.is_authenticated and user.has_role(PROVIDER)
        and organisation is not None and user.organisation_id == organisation.id
    )
