from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from tracker.accounts import permissions
from tracker.extensions import db
from tracker.paging import requested_page
from tracker.mail.models import OutboxMessage

bp = Blueprint("mail", __name__)


@bp.get("/admin/outbox")
@login_required
def outbox():
    if not permissions.can_read_outbox(current_user):
        abort(403)
    page = db.paginate(db.select(OutboxMessage).order_by(OutboxMessage.id.desc()), page=requested_page(),
                       per_page=50, error_out=False)
    return render_template("mail/outbox.html", page=page)

