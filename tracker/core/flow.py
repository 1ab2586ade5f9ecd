"""The one way views apply a change: call the service, then commit, or roll back and say why."""
from flask import flash

from tracker.errors import ServiceError
from tracker.extensions import db


def apply_change(change, success_message: str | None = None, *, form=None) -> bool:
    """Run `change()` (a service call). On success commit and flash the message; on a refusal roll
    back, flash the service's message (and put its field messages next to the fields of `form`), and
    return False."""
    try:
        change()
    except ServiceError as error:
        db.session.rollback()
        if form is not None:
            form.show_errors(error.field_errors)
        flash(error.message, "error")
        return False
    db.session.commit()
    if success_message:
        flash(success_message, "success")
    return True
