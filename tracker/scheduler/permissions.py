"""Who may see and steer the scheduled jobs."""
from tracker.accounts.permissions import is_secretariat


def can_manage_jobs(user) -> bool:
    """See the jobs and their runs, run one now, pause and resume one."""
    return is_secretariat(user)
