"""Who may read and change capacity-building activities. Every check runs on the server, against the object."""
from tracker.accounts.models import PARTY_ROLES
from tracker.accounts.permissions import acts_for_party, is_secretariat


def can_list_activities(user) -> bool:
    """The activity list: a Party's editors and focal point see their Party's, the Secretariat everyone's."""
    return is_secretariat(user) or (
        user is not None and user.is_authenticated and user.has_role(*PARTY_ROLES) and user.party_id is not None
    )


def can_see_all_activities(user) -> bool:
    """Every Party's records, with a Party filter."""
    return is_secretariat(user)


def can_view_activity(user, activity) -> bool:
    return is_secretariat(user) or (activity.party_id is not None and acts_for_party(user, activity.party))


def can_record_activity_for_party(user, party) -> bool:
    """The Secretariat reads Party records but does not write them."""
    return acts_for_party(user, party)


def can_edit_activity(user, activity) -> bool:
    """Edit or delete: only the recording Party's editors and focal point."""
    return activity.party_id is not None and acts_for_party(user, activity.party)
