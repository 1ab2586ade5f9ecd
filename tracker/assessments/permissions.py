"""Who may read and change a Party's assessment, and the Secretariat's cycles."""
from tracker.accounts.models import PARTY_FOCAL_POINT
from tracker.accounts.permissions import acts_for_party, is_secretariat
from tracker.assessments.models import DRAFT, SUBMITTED
from tracker.clock import today


def can_manage_cycles(user) -> bool:
    return is_secretariat(user)


def can_see_all_assessments(user) -> bool:
    """The Secretariat's overview of every Party's progress."""
    return is_secretariat(user)


def can_view_assessment(user, party) -> bool:
    return is_secretariat(user) or acts_for_party(user, party)


def can_start_assessment(user, party, cycle) -> bool:
    return acts_for_party(user, party) and cycle.is_open(today())


def can_edit_assessment(user, assessment) -> bool:
    """Editors and focal points of the Party, while the draft is open and the cycle too."""
    return (acts_for_party(user, assessment.party) and assessment.status == DRAFT
            and assessment.cycle.is_open(today()))


def _focal_point_of(user, assessment) -> bool:
    return acts_for_party(user, assessment.party) and user.role == PARTY_FOCAL_POINT


def can_submit_assessment(user, assessment) -> bool:
    return _focal_point_of(user, assessment) and assessment.status == DRAFT and assessment.cycle.is_open(today())


def can_reopen_assessment(user, assessment) -> bool:
    return _focal_point_of(user, assessment) and assessment.status == SUBMITTED and assessment.cycle.is_open(today())


def can_set_visibility(user, assessment) -> bool:
    """Who may see the needs is the Party's policy: its focal point decides."""
    return _focal_point_of(user, assessment)
