"""The CB activities a Party organised or took part in, and those an organisation delivered; the Secretariat
reads them all."""
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from tracker.accounts.forms import ActionForm
from tracker.activities import permissions, services
from tracker.activities.exports import COLUMNS, FORMATS, activity_rows, framework_url, table_rows
from tracker.activities.forms import PARTY_ROLE_LABELS, activity_form, activity_form_data
from tracker.activities.iati import iati_xml
from tracker.activities.models import Activity
from tracker.clock import today, utcnow
from tracker.core.flow import apply_change
from tracker.exports import send_table
from tracker.extensions import db
from tracker.paging import requested_page
from tracker.organisations.models import Organisation
from tracker.parties.services import party_by_iso3, party_choices
from tracker.security import bounded_number
from tracker.vocabularies import ACTIVITY_STATUSES, LANGUAGES, MODALITIES, SUPPORT_TYPES

bp = Blueprint("activities", __name__)

PER_PAGE = 50
LABELS = {"statuses": ACTIVITY_STATUSES, "support_types": SUPPORT_TYPES, "modalities": MODALITIES,
          "languages": LANGUAGES, "party_roles": PARTY_ROLE_LABELS}
RECORDED_BY_LABELS = {"parties": _l("Parties"), "organisations": _l("Organisations")}
assert set(RECORDED_BY_LABELS) == set(services.RECORDED_BY)


def _filters_from_args() -> services.ActivityFilters:
    """The list's filters from the query string, within what the user may see."""
    status = request.args.get("status", "")
    year = bounded_number(request.args.get("year"))
    filters = services.ActivityFilters(
        status=status if status in ACTIVITY_STATUSES else None,
        year=year if year is not None and 2000 <= year <= 2100 else None,
    )
    if permissions.can_see_all_activities(current_user):
        filters.party = party_by_iso3(request.args.get("party"))
        recorded_by = request.args.get("recorded_by")
        filters.recorded_by = recorded_by if recorded_by in services.RECORDED_BY else None
    else:
        recorder = permissions.own_recorder(current_user)
        if isinstance(recorder, Organisation):
            filters.organisation = recorder
        else:
            filters.party = recorder
    return filters


@bp.get("/activities")
@login_required
def index():
    if not permissions.can_list_activities(current_user):
        abort(403)
    filters = _filters_from_args()
    page = db.paginate(services.activities_query(filters), page=requested_page(), per_page=PER_PAGE,
                       error_out=False)
    see_all = permissions.can_see_all_activities(current_user)
    recorder = None if see_all else permissions.own_recorder(current_user)
    export_args = {key: value for key, value in request.args.items() if key not in ("page", "format")}
    return render_template(
        "activities/list.html", page=page, see_all=see_all, recorder=recorder,
        for_organisation=isinstance(recorder, Organisation),
        year_options=[(str(year), str(year)) for year in services.activity_years(filters)],
        party_options=[(choice.value, choice.label) for choice in party_choices()] if see_all else [],
        recorded_by_options=list(RECORDED_BY_LABELS.items()),
        can_record=recorder is not None,
        export_args=export_args, FORMATS=FORMATS, **LABELS)


@bp.get("/activities/export")
@login_required
def export():
    if not permissions.can_list_activities(current_user):
        abort(403)
    fmt = request.args.get("format", "csv")
    filename = f"activities-{today().isoformat()}"
    if fmt == "iati":
        activities = db.session.scalars(services.activities_query(_filters_from_args())).unique()
        return Response(iati_xml(activities, generated_at=utcnow(), framework_url=framework_url()),
                        mimetype="application/xml",
                        headers={"Content-Disposition": f'attachment; filename="{filename}-iati.xml"'})
    if fmt not in FORMATS:
        abort(404)
    return send_table(table_rows(activity_rows(_filters_from_args()), fmt), COLUMNS, fmt, filename)


def _activity_or_404(activity_id: int) -> Activity:
    return db.session.scalar(db.select(Activity).where(Activity.id == activity_id).options(
        db.joinedload(Activity.party), db.joinedload(Activity.organisation), db.joinedload(Activity.offer),
        db.joinedload(Activity.updated_by), db.selectinload(Activity.key_areas),
        db.selectinload(Activity.activity_examples), db.selectinload(Activity.beneficiaries),
    )) or abort(404)



def _render_form(form, activity: Activity | None, organisation: Organisation | None):
    form.add_empty_output_rows()
    return render_template("activities/form.html", form=form, activity=activity, organisation=organisation)


def _create(recorder, data: services.ActivityInput) -> Activity:
    if isinstance(recorder, Organisation):
        return services.create_organisation_activity(recorder, data, actor=current_user)
    return services.create_activity(recorder, data, actor=current_user)


@bp.route("/activities/new", methods=["GET", "POST"])
@login_required
def new():
    """A new record of the Party or the organisation the user acts for."""
    recorder = permissions.own_recorder(current_user)
    if recorder is None:
        abort(403)
    organisation = recorder if isinstance(recorder, Organisation) else None
    form = activity_form(organisation)
    created = []
    if form.validate_on_submit() and apply_change(
            lambda: created.append(_create(recorder, form.to_input())), _("The activity is saved."), form=form):
        return redirect(url_for("activities.detail", activity_id=created[0].id))
    return _render_form(form, None, organisation)


@bp.get("/activities/<int:activity_id>")
@login_required
def detail(activity_id):
    activity = _activity_or_404(activity_id)
    if not permissions.can_view_activity(current_user, activity):
        abort(403)
    return render_template("activities/detail.html", activity=activity,
                           can_edit=permissions.can_edit_activity(current_user, activity), **LABELS)


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@login_required
def edit(activity_id):
    activity = _activity_or_404(activity_id)
    if not permissions.can_edit_activity(current_user, activity):
        abort(403)
    organisation = activity.organisation if activity.party_id is None else None
    form = activity_form(organisation, None if request.method == "POST" else activity_form_data(activity))
    if form.validate_on_submit() and apply_change(
            lambda: services.update_activity(activity, form.to_input(), lock_version=form.lock_version.data,
                                             actor=current_user),
            _("The activity is saved."), form=form):
        return redirect(url_for("activities.detail", activity_id=activity_id))
    return _render_form(form, activity, organisation)


@bp.route("/activities/<int:activity_id>/delete", methods=["GET", "POST"])
@login_required
def delete(activity_id):
    activity = _activity_or_404(activity_id)
    if not permissions.can_edit_activity(current_user, activity):
        abort(403)
    form = ActionForm()
    if form.validate_on_submit() and apply_change(
            lambda: services.delete_activity(activity, actor=current_user),
            _("The activity “%(title)s” is deleted.", title=activity.title)):
        return redirect(url_for("activities.index"))
    return render_template("activities/delete.html", activity=activity, form=form)
