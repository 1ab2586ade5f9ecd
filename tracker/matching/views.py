"""Matching pages: suggestions and matches for each side, a match with its steps, and the allocation runs."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from tracker.accounts.permissions import acts_for_party, is_secretariat
from tracker.activities.models import Activity
from tracker.clock import utcnow
from tracker.core.flow import apply_change
from tracker.extensions import db
from tracker.matching import queries, services
from tracker.matching.forms import ConfirmForm, DeliveryForm, ReasonForm, StepForm
from tracker.matching.models import (
    DECLINE_REASONS, FUNNEL, IN_PROGRESS, MATCH_STATUSES, PARTY_SIDE, PROVIDER_SIDE, RUN_SUCCEEDED, SUGGESTED,
    Match, MatchRun,
)
from tracker.matching.reasons import COMPONENT_NAMES, components, reasons
from tracker.needs.permissions import awaits_vetting, is_vetted_provider
from tracker.paging import requested_page
from tracker.parties.views import REGIONAL_GROUP_NAMES
from tracker.vocabularies import AUDIENCES, LANGUAGES, MODALITIES, NEED_LEVELS, SUPPORT_TYPES

bp = Blueprint("matching", __name__)

FINISHED = tuple(status for status in MATCH_STATUSES if status not in IN_PROGRESS and status != SUGGESTED)
# Suggestions shown per offer on a provider's page (a Party's needs have at most MATCH_SUGGESTIONS_PER_NEED).
SHOWN_PER_GROUP = 10
# MATCH_STATUSES is in funnel order, the statuses that end a match early last.
STEP_NAMES = {
    "match.propose": _l("Proposed"),
    "match.agree": _l("Agreed"),
    "match.decline": _l("Declined"),
    "match.withdraw": _l("Withdrawn"),
    "match.start_delivery": _l("Delivery started"),
    "match.deliver": _l("Delivery recorded"),
    "match.confirm": _l("Confirmed and rated"),
    "match.expire": _l("Expired: the offer is no longer open"),
}


@bp.context_processor
def _helpers():
    now = utcnow()
    return {"reasons": reasons, "components": components, "age": lambda match: queries.age(match, now),
            "next_actor": queries.next_actor, "MATCH_STATUSES": MATCH_STATUSES, "need_level_names": NEED_LEVELS,
            "DECLINE_REASONS": DECLINE_REASONS, "STEP_NAMES": STEP_NAMES,
            "SHOWN_PER_GROUP": SHOWN_PER_GROUP}


@bp.get("/matches")
@login_required
def index():
    """The user's side of matching: a Party's needs with their suggested offers, an organisation's offers with
    the suggested needs, or, for the Secretariat, every match."""
    if is_secretariat(current_user):
        status = request.args.get("status") if request.args.get("status") in MATCH_STATUSES else None
        page, counts = queries.all_matches(status, requested_page())
        return render_template("matching/secretariat.html", page=page, counts=counts, status=status,
                               FUNNEL=FUNNEL)
    party = current_user.party if current_user.party_id else None
    if party is not None and acts_for_party(current_user, party):
        suggestions = queries.for_party(party.id, (SUGGESTED,))
        matches = queries.for_party(party.id, IN_PROGRESS + FINISHED)
        return render_template(
            "matching/mine.html", side=PARTY_SIDE, party=party, focus=None,
            groups=queries.grouped(suggestions, lambda match: match.key_area),
            active=[m for m in matches if m.status in IN_PROGRESS],
            finished=queries.recent_finished([m for m in matches if m.status in FINISHED]),
            has_submitted=bool(services.latest_submitted_party_assessment(party.id)))
    organisation = current_user.organisation if current_user.organisation_id else None
    if organisation is not None and current_user.has_role("provider"):
        vetted = is_vetted_provider(current_user)
        suggestions = queries.for_organisation(organisation.id, (SUGGESTED,), suggestions=True) if vetted else []
        # ?offer=ID: that offer's suggestions only, all of them.
        focus = request.args.get("offer", "")
        focus = int(focus) if focus.isdecimal() and len(focus) < 10 else None
        if focus is not None:
            suggestions = [match for match in suggestions if match.offer_id == focus]
        matches = queries.for_organisation(organisation.id, IN_PROGRESS + FINISHED, suggestions=False)
        return render_template(
            "matching/mine.html", side=PROVIDER_SIDE, organisation=organisation, focus=focus, awaits_vetting=awaits_vetting(
                current_user), groups=queries.grouped(suggestions, lambda match: match.offer),
            shown_needs=queries.needs_as_shown(suggestions, current_user),
            active=[m for m in matches if m.status in IN_PROGRESS],
            finished=queries.recent_finished([m for m in matches if m.status in FINISHED]))
    abort(403)


def _match_or_404(match_id: int) -> Match:
    match = db.session.get(Match, match_id)
    if match is None or not services.can_view_match(current_user, match):
        abort(404)
    return match


def _delivery_form(match: Match, formdata=None) -> DeliveryForm:
    form = DeliveryForm(formdata=formdata, prefix="delivery")
    activities = db.session.scalars(
        select(Activity).where(Activity.organisation_id == match.offer.organisation_id,
                               Activity.status != "cancelled").order_by(Activity.start_date.desc(), Activity.id.desc())
        .limit(200)).all()
    form.activity.choices = [("", _("A new activity, described below"))] + [
        (activity.id, activity.title) for activity in activities]
    if formdata is None:
        form.title.data = match.offer.title
        form.support_type.data = services.support_type_of(match) or ""
        form.modality.data = match.offer.modality or ""
    return form


def _render_detail(match: Match, status: int = 200, **forms):
    side = services.side_of(current_user, match)
    forms.setdefault("step_form", StepForm(formdata=None, lock_version=match.lock_version))
    forms.setdefault("reason_form", ReasonForm(formdata=None, prefix="reason", lock_version=match.lock_version))
    forms.setdefault("confirm_form", ConfirmForm(formdata=None, prefix="confirm", lock_version=match.lock_version))
    if side == PROVIDER_SIDE and "delivery_form" not in forms:
        forms["delivery_form"] = _delivery_form(match)
        forms["delivery_form"].lock_version.data = match.lock_version
    history = services.match_history(match)
    need = queries.needs_as_shown([match], current_user)[match.id]
    return render_template("matching/detail.html", match=match, side=side, history=history, need=need,
                           support_type_names=SUPPORT_TYPES, modality_names=MODALITIES,
                           language_names=LANGUAGES, audience_names=AUDIENCES,
                           group_names=REGIONAL_GROUP_NAMES, **forms), status


@bp.get("/matches/<int:match_id>")
@login_required
def detail(match_id):
    return _render_detail(_match_or_404(match_id))


def _after_step(match: Match):
    return redirect(url_for("matching.detail", match_id=match.id))


@bp.post("/matches/<int:match_id>/<any(propose, agree, start):step>")
@login_required
def simple_step(match_id, step):
    match = _match_or_404(match_id)
    form = StepForm()
    if not form.validate():
        abort(400)
    change = {"propose": services.propose, "agree": services.agree, "start": services.start_delivery}[step]
    message = {"propose": _("Proposed. The other side has been asked to agree."),
               "agree": _("Agreed. The offer keeps a place for the Party."),
               "start": _("Delivery started.")}[step]
    apply_change(lambda: change(match, actor=current_user, lock_version=form.lock_version.data), message)
    return _after_step(match)


@bp.post("/matches/<int:match_id>/<any(decline, withdraw):step>")
@login_required
def reason_step(match_id, step):
    match = _match_or_404(match_id)
    form = ReasonForm(prefix="reason")
    form.validate()
    if form.csrf_token.errors:
        abort(400)
    change = services.decline if step == "decline" else services.withdraw
    message = _("Declined. This pair will not be suggested again.") if step == "decline" else _("Withdrawn.")
    if apply_change(lambda: change(match, actor=current_user, reason=form.reason.data, comment=form.comment.data,
                                   lock_version=form.lock_version.data), message, form=form):
        return _after_step(match)
    return _render_detail(match, 422, reason_form=form, open_form=step)


@bp.post("/matches/<int:match_id>/deliver")
@login_required
def deliver(match_id):
    match = _match_or_404(match_id)
    if services.side_of(current_user, match) != PROVIDER_SIDE:
        abort(403)
    form = _delivery_form(match, request.form)
    form.validate()
    if form.csrf_token.errors:
        abort(400)
    activity = None
    if form.activity.data is not None and not form.activity.errors:
        activity = db.session.get(Activity, form.activity.data)
        if activity is None:
            form.activity.errors = [_("Choose one of your organisation's activities that was not cancelled.")]
    if form.errors:
        flash(_("Please correct the fields marked below. Nothing was saved."), "error")
        return _render_detail(match, 422, delivery_form=form, open_form="deliver")
    if apply_change(lambda: services.record_delivery(
            match, actor=current_user, data=None if activity else form.to_input(), activity=activity,
            lock_version=form.lock_version.data),
            _("Delivery recorded. The Party has been asked to confirm and rate it."), form=form):
        return _after_step(match)
    return _render_detail(match, 422, delivery_form=form, open_form="deliver")


@bp.post("/matches/<int:match_id>/confirm")
@login_required
def confirm(match_id):
    match = _match_or_404(match_id)
    if services.side_of(current_user, match) != PARTY_SIDE:
        abort(403)
    form = ConfirmForm(prefix="confirm")
    form.validate()
    if form.csrf_token.errors:
        abort(400)
    rating = int(form.rating.data) if form.rating.data in {"1", "2", "3", "4", "5"} else None
    if apply_change(lambda: services.confirm(match, actor=current_user, rating=rating,
                                             feedback=form.feedback.data, lock_version=form.lock_version.data),
                    _("Thank you. The match is closed."), form=form):
        return _after_step(match)
    return _render_detail(match, 422, confirm_form=form, open_form="confirm")


# --- allocation runs (Secretariat) ------------------------------------------------------------------

def _secretariat_only():
    if not is_secretariat(current_user):
        abort(403)


@bp.get("/matching/runs")
@login_required
def runs():
    _secretariat_only()
    return render_template("matching/runs.html", runs=queries.runs(), form=StepForm(formdata=None),
                           RUN_SUCCEEDED=RUN_SUCCEEDED)


@bp.post("/matching/runs")
@login_required
def run_now():
    _secretariat_only()
    if not StepForm().validate():
        abort(400)
    result = services.run_allocation(actor=current_user)
    db.session.commit()
    if result.run.status == RUN_SUCCEEDED:
        flash(ngettext("Allocation done: %(num)d need served.", "Allocation done: %(num)d needs served.",
                       result.run.served), "success")
    else:
        flash(_("The allocation failed; the previous suggestions are kept. The error is in the run history."),
              "error")
    return redirect(url_for("matching.runs"))


@bp.get("/matching/runs/compare")
@login_required
def compare():
    _secretariat_only()
    ids = [value for value in (request.args.get("a", ""), request.args.get("b", "")) if value.isdecimal()]
    chosen = [db.session.get(MatchRun, int(value)) for value in ids if len(value) < 10]
    chosen = [run for run in chosen if run is not None]
    if len(chosen) != 2:
        flash(_("Choose two runs to compare."), "error")
        return redirect(url_for("matching.runs"))
    return render_template("matching/compare.html", a=chosen[0], b=chosen[1], group_names=REGIONAL_GROUP_NAMES,
                           component_names=COMPONENT_NAMES)
