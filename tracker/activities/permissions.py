"""Who may read and change capacity-building activities. Every check runs on the server, against the object.

An activity is recorded either by a Party (its editors and focal point) or by an organisation (its providers).
The Secretariat reads every record; it may also edit organisations' records, but not Parties' own logs."""
from tracker.accounts.permissions import acts_for_organisation, acts_for_party, is_secretariat


def own_recorder(user):
    """The Party or the organisation whose activities the user records, or None."""
    if user is None or not user.is_authenticated:
        return None
    if acts_for_party(user, user.party):
        return user.party
    if acts_for_organisation(user, user.organisation):
        return user.organisation
    return None


def can_list_activities(user) -> bool:
    """The activity list: a Party's users see their Party's, providers their organisation's, the Secretariat
    everyone's."""
    return is_secretariat(user) or own_recorder(user) is not None


def can_see_all_activities(user) -> bool:
    """Every Party's and organisation's records, with filters."""
    return is_secretariat(user)


def can_view_activity(user, activity) -> bool:
    return (
        is_secretariat(user)
        or (activity.party_id is not None and acts_for_party(user, activity.party))
        or (activity.organisation_id is not None and acts_for_organisation(user, activity.organisation))
    )


def can_record_activity_for_party(user, party) -> bool:
    """The Secretariat reads Party records but does not write them."""
    return acts_for_party(user, party)


def can_record_activity_for_organisation(user, organisation) -> bool:
    """An organisation's providers, vetted or not: only offers need vetting."""
    return acts_for_organisation(user, organisation)


def can_edit_activity(user, activity) -> bool:
    """Edit or delete: a Party record only by the recording Party's editors and focal point; an organisation's
    record by its providers and by the Secretariat."""
    if activity.party_id is not None:
        return acts_for_party(user, activity.party)
    return activity.organisation_id is not None and (
        acts_for_organisation(user, activity.organisation) or is_secretariat(user))
