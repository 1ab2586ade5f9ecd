from flask import Blueprint, abort, g, render_template
from flask_login import current_user, login_required

from tracker.accounts import permissions
from tracker.extensions import db
from tracker.paging import requested_page
from tracker.mail.models import OutboxMessage
from tracker.mail.services import deliver_pending

bp = Blueprint("mail", __name__)


@bp.get("/admin/outbox")
@login_required
def outbox():
    if not permissions.can_read_outbox(current_user):
        abort(403)
    page = db.paginate(db.select(OutboxMessage).order_by(OutboxMessage.id.desc()), page=requested_page(),
                       per_page=50, error_out=False)
    return render_template("mail/outbox.html", page=page)


@bp.after_app_request
def deliver_after_commit(response):
    # Mail queued by this request was committed with the change that caused it; send it now.
    if g.pop("outbox_pending", False):
        deliver_pending()
    return response
