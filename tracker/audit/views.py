from datetime import datetime

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from tracker.accounts import permissions
from tracker.accounts.models import User
from tracker.audit.models import AuditEntry
from tracker.extensions import db
from tracker.paging import requested_page
from tracker.security import bounded_number

bp = Blueprint("audit", __name__)
PAGE_SIZE = 50


def _date(value: str | None):
    try:
        return datetime.strptime(value, "%Y-%m-%d") if value else None
    except ValueError:
        return None


@bp.get("/admin/audit")
@login_required
def audit_log():
    if not permissions.can_read_audit_log(current_user):
        abort(403)
    args = request.args
    filters = []
    if args.get("actor"):
        # A text to find: "%" and "_" are characters of the address, not wildcards.
        filters.append(AuditEntry.actor.has(User.email.icontains(args["actor"].strip(), autoescape=True)))
    if args.get("action"):
        filters.append(AuditEntry.action == args["action"])
    if args.get("object_type"):
        filters.append(AuditEntry.object_type == args["object_type"])
    if (object_id := bounded_number(args.get("object_id"))) is not None:
        filters.append(AuditEntry.object_id == object_id)
    if since := _date(args.get("since")):
        filters.append(AuditEntry.at >= since)
    if until := _date(args.get("until")):
        filters.append(AuditEntry.at < until.replace(hour=23, minute=59, second=59))
    page = db.paginate(
        db.select(AuditEntry).where(*filters).options(db.joinedload(AuditEntry.actor))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()),
        page=requested_page(), per_page=PAGE_SIZE, error_out=False,
    )
    actions = [(a, a) for a in db.session.scalars(db.select(AuditEntry.action).distinct().order_by(AuditEntry.action))]
    object_types = [(t, t) for t in db.session.scalars(
        db.select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type))]
    return render_template("audit/log.html", page=page, actions=actions, object_types=object_types, args=args)
