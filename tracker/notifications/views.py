"""The user's notifications, the bell in the header, and the e-mail preferences."""
from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from tracker.accounts.forms import ActionForm
from tracker.core.flow import apply_change
from tracker.core.views import safe_next
from tracker.extensions import db
from tracker.notifications import services
from tracker.notifications.forms import preferences_form
from tracker.notifications.kinds import KINDS, kinds_for
from tracker.notifications.models import FREQUENCIES, Notification
from tracker.notifications.permissions import can_see_notification
from tracker.paging import requested_page

bp = Blueprint("notifications", __name__)
PER_PAGE = 30


@bp.app_context_processor
def bell():
    def unread_notifications() -> int:
        """The count for the bell: one query per page, and none for visitors."""
        if not current_user.is_authenticated:
            return 0
        if "unread_notifications" not in g:
            g.unread_notifications = services.unread_count(current_user)
        return g.unread_notifications

    return {"unread_notifications": unread_notifications}


def _own_or_404(notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if not can_see_notification(current_user, notification):
        abort(404)
    return notification


@bp.get("/notifications")
@login_required
def index():
    query = (select(Notification).where(Notification.user_id == current_user.id)
             .order_by(Notification.created_at.desc(), Notification.id.desc()))
    page = db.paginate(query, page=requested_page(), per_page=PER_PAGE, error_out=False)
    return render_template("notifications/index.html", page=page, rendered=services.rendered)


@bp.get("/notifications/<int:notification_id>")
@login_required
def follow(notification_id):
    """Open what the notification is about, marking it read."""
    notification = _own_or_404(notification_id)
    services.mark_read(notification, actor=current_user)
    db.session.commit()
    if not notification.url:
        return redirect(url_for("notifications.index"))
    return redirect(request.script_root + notification.url)


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def mark_read(notification_id):
    notification = _own_or_404(notification_id)
    if ActionForm().validate_on_submit():
        apply_change(lambda: services.mark_read(notification, actor=current_user))
    return redirect(safe_next(request.form.get("next"), url_for("notifications.index")))


@bp.post("/notifications/read")
@login_required
def mark_all_read():
    if ActionForm().validate_on_submit():
        apply_change(lambda: services.mark_all_read(current_user, actor=current_user),
                     _("Every notification is marked as read."))
    return redirect(safe_next(request.form.get("next"), url_for("notifications.index")))


@bp.route("/profile/notifications", methods=["GET", "POST"])
@login_required
def preferences():
    kinds = kinds_for(current_user)
    form = preferences_form(kinds, services.preferences_of(current_user))
    if form.validate_on_submit() and apply_change(
            lambda: services.set_preferences(current_user, {kind: form[kind].data for kind in kinds},
                                             actor=current_user),
            _("Your notification settings are saved."), form=form):
        return redirect(url_for("notifications.preferences"))
    return render_template("notifications/preferences.html", form=form, kinds=kinds, KINDS=KINDS,
                           FREQUENCIES=FREQUENCIES)
