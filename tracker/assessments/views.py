"""Pages of the self-assessment: the Party's cycles, the assessment form, versions; the Secretariat's cycles."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.accounts.forms import ActionForm
from tracker.accounts.permissions import acts_for_party
from tracker.assessments import permissions, services
from tracker.assessments.content import assessment_content, diff_content, need_from_content
from tracker.assessments.exports import NEED_COLUMNS, OVERVIEW_COLUMNS, need_rows, overview_rows
from tracker.assessments.forms import AssessmentForm, CycleForm, VisibilityForm, read_answers, read_needs
from tracker.assessments.models import (
    ANSWER_CHOICES, VISIBILITIES, Assessment, AssessmentCycle, Need,
)
from tracker.clock import today
from tracker.core.flow import apply_change
from tracker.errors import InvalidInput, StaleEdit
from tracker.exports import send_table
from tracker.extensions import db
from tracker.framework.models import Goal
from tracker.i18n import current_language
from tracker.parties.models import Party
from tracker.parties.views import REGIONAL_GROUP_NAMES
from tracker.security import bounded_number
from tracker.vocabularies import AUDIENCES, LANGUAGES, MODALITIES, NEED_LEVELS, PRIORITIES, SUPPORT_TYPES

bp = Blueprint("assessments", __name__)

_VOCABULARIES = {"NEED_LEVELS": NEED_LEVELS, "PRIORITIES": PRIORITIES, "AUDIENCES": AUDIENCES,
                 "SUPPORT_TYPES": SUPPORT_TYPES, "MODALITIES": MODALITIES, "LANGUAGES": LANGUAGES,
                 "ANSWER_CHOICES": ANSWER_CHOICES, "VISIBILITIES": VISIBILITIES}


def vocabularies() -> dict[str, dict]:
    """The lists' labels translated once per page, not once per use: the form repeats them 41 times."""
    return {name: {code: str(label) for code, label in vocabulary.items()} for name, vocabulary in _VOCABULARIES.items()}


def _cycle_or_404(cycle_id: int) -> AssessmentCycle:
    return db.session.get(AssessmentCycle, cycle_id) or abort(404)


def _assessment_or_404(assessment_id: int) -> Assessment:
    assessment = db.session.scalar(
        db.select(Assessment).where(Assessment.id == assessment_id).options(
            db.joinedload(Assessment.party), db.joinedload(Assessment.cycle),
            db.selectinload(Assessment.needs).joinedload(Need.key_area),
            db.selectinload(Assessment.answers),
        )
    )
    if assessment is None:
        abort(404)
    if not permissions.can_view_assessment(current_user, assessment.party):
        abort(403)
    return assessment


# --- the Party's cycles ------------------------------------------------------------------------

@bp.get("/assessments")
@login_required
def index():
    if permissions.can_manage_cycles(current_user):
        return redirect(url_for("assessments.cycles"))
    party = current_user.party
    if not acts_for_party(current_user, party):
        abort(403)
    cycles = db.session.scalars(db.select(AssessmentCycle).order_by(AssessmentCycle.opens_on.desc())).all()
    assessments = {a.cycle_id: a for a in db.session.scalars(db.select(Assessment).where(Assessment.party_id == party.id))}
    return render_template("assessments/index.html", party=party, cycles=cycles, assessments=assessments,
                           today=today())


@bp.post("/assessments/start/<int:cycle_id>")
@login_required
def start(cycle_id):
    cycle = _cycle_or_404(cycle_id)
    party = current_user.party
    if not permissions.can_start_assessment(current_user, party, cycle):
        abort(403)
    if ActionForm().validate_on_submit():
        assessment = services.start_assessment(party, cycle, actor=current_user)
        db.session.commit()
        return redirect(url_for("assessments.assessment", assessment_id=assessment.id))
    return redirect(url_for("assessments.index"))


# --- the assessment ----------------------------------------------------------------------------

def _framework(party):
    """The goals with their key areas, and the declared questions asked of this Party."""
    goals = db.session.scalars(db.select(Goal).options(db.selectinload(Goal.key_areas)).order_by(Goal.position)).all()
    return goals, services.questions_for(party)


@bp.route("/assessments/<int:assessment_id>", methods=["GET", "POST"])
@login_required
def assessment(assessment_id):
    assessment = _assessment_or_404(assessment_id)
    goals, questions = _framework(assessment.party)
    editable = permissions.can_edit_assessment(current_user, assessment)
    form = AssessmentForm(data={"lock_version": assessment.lock_version})
    content = assessment_content(assessment)
    needs = {code: need_from_content(values) for code, values in content["needs"].items()}
    answers, errors = content["answers"], {}
    if request.method == "POST":
        if not editable:
            abort(403)
        if form.validate_on_submit():
            saved, needs, answers, errors = _save_posted(assessment, form, goals, questions)
            if saved:
                return redirect(url_for("assessments.assessment", assessment_id=assessment.id,
                                        goal=request.form.get("goal") or None))
    goal_of_area = {area.code: goal.code for goal in goals for area in goal.key_areas}
    error_areas = {key.rsplit(".", 1)[0] for key in errors}
    return render_template(
        "assessments/assessment.html", assessment=assessment, goals=goals, questions=questions, form=form,
        needs=needs, answers=answers, errors=errors, editable=editable, open_goal=request.values.get("goal"),
        error_areas=error_areas, error_goals={goal_of_area.get(code, "questions") for code in error_areas},
        considered={goal.code: sum(1 for area in goal.key_areas if area.code in needs and needs[area.code].level)
                    for goal in goals},
        visibility_form=VisibilityForm(data={"visibility": assessment.visibility}),
        previous=services.previous_assessment(assessment), today=today(), permissions=permissions,
        **vocabularies(),
    )


def _save_posted(assessment, form, goals, questions):
    """Read and save the posted form. Returns whether it was saved, and what to show again if not:
    the posted needs and answers, and the errors by field."""
    needs, errors = read_needs(request.form, [area for goal in goals for area in goal.key_areas])
    answers, answer_errors = read_answers(request.form, questions)
    errors.update(answer_errors)
    shown_answers = {code: answer.as_content() for code, answer in answers.items()}
    if errors:
        flash(_("Some answers need correcting. Nothing was saved."), "error")
        return False, needs, shown_answers, errors
    lock_version = bounded_number(form.lock_version.data)
    if lock_version is None:  # the page always sends one: this form was not sent by it
        abort(400)
    try:
        changed = services.save_assessment(assessment, needs=needs, answers=answers,
                                           lock_version=lock_version, actor=current_user)
    except (InvalidInput, StaleEdit) as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return False, needs, shown_answers, refused.field_errors
    db.session.commit()
    flash(_("Saved.") if changed else _("Nothing had changed."), "success")
    return True, needs, shown_answers, {}


def _assessment_action(assessment_id, permission, change, message):
    assessment = _assessment_or_404(assessment_id)
    if not permission(current_user, assessment):
        abort(403)
    if ActionForm().validate_on_submit():
        apply_change(lambda: change(assessment), message)
    return redirect(url_for("assessments.assessment", assessment_id=assessment.id))


@bp.post("/assessments/<int:assessment_id>/submit")
@login_required
def submit(assessment_id):
    return _assessment_action(assessment_id, permissions.can_submit_assessment,
                              lambda a: services.submit_assessment(a, actor=current_user),
                              _("The assessment is submitted. Thank you."))


@bp.post("/assessments/<int:assessment_id>/reopen")
@login_required
def reopen(assessment_id):
    return _assessment_action(assessment_id, permissions.can_reopen_assessment,
                              lambda a: services.reopen_assessment(a, actor=current_user),
                              _("The assessment is open again as a new version."))


@bp.post("/assessments/<int:assessment_id>/copy-previous")
@login_required
def copy_previous(assessment_id):
    return _assessment_action(assessment_id, permissions.can_edit_assessment,
                              lambda a: services.copy_previous_answers(a, actor=current_user),
                              _("The answers of the previous cycle were copied. Review them and save."))


@bp.post("/assessments/<int:assessment_id>/visibility")
@login_required
def visibility(assessment_id):
    assessment = _assessment_or_404(assessment_id)
    if not permissions.can_set_visibility(current_user, assessment):
        abort(403)
    form = VisibilityForm()
    if form.is_submitted():  # the choice is the service's to check, and to explain
        chosen = form.visibility.data
        apply_change(lambda: services.set_visibility(assessment, chosen, actor=current_user),
                     _("Saved: %(who)s may see the needs.", who=VISIBILITIES.get(chosen, "")))
    return redirect(url_for("assessments.assessment", assessment_id=assessment.id))


@bp.get("/assessments/<int:assessment_id>/needs")
@login_required
def assessment_needs(assessment_id):
    """The Party's needs in this cycle as a table (CSV, XLSX or JSON)."""
    assessment = _assessment_or_404(assessment_id)
    rows = need_rows(assessment.cycle.name, party_id=assessment.party_id)
    return send_table(rows, NEED_COLUMNS, request.args.get("format", "csv"),
                      f"needs-{assessment.party.iso3}-{assessment.cycle.name}")


# --- versions ----------------------------------------------------------------------------------

@bp.get("/assessments/<int:assessment_id>/versions")
@login_required
def versions(assessment_id):
    assessment = _assessment_or_404(assessment_id)
    return render_template("assessments/versions.html", assessment=assessment)


@bp.get("/assessments/<int:assessment_id>/compare")
@login_required
def compare(assessment_id):
    """What changed between two versions ("current" is the draft or last saved state)."""
    assessment = _assessment_or_404(assessment_id)
    contents = {str(v.version): v.content for v in assessment.versions}
    contents["current"] = assessment_content(assessment)
    old, new = request.args.get("from", ""), request.args.get("to", "current")
    if old not in contents or new not in contents:
        flash(_("Choose two versions to compare."), "error")
        return redirect(url_for("assessments.versions", assessment_id=assessment.id))
    goals, questions = _framework(assessment.party)
    areas = {area.code: area for goal in goals for area in goal.key_areas}
    return render_template("assessments/compare.html", assessment=assessment, old=old, new=new,
                           changes=diff_content(contents[old], contents[new]), areas=areas,
                           questions={q.code: q for q in questions}, **vocabularies())


# --- the Secretariat's cycles ------------------------------------------------------------------

def _require_cycle_manager():
    if not permissions.can_manage_cycles(current_user):
        abort(403)


@bp.get("/cycles")
@login_required
def cycles():
    _require_cycle_manager()
    counts = dict(db.session.execute(
        db.select(Assessment.cycle_id, db.func.count(Assessment.id)).where(Assessment.status == "submitted")
        .group_by(Assessment.cycle_id)).all())
    cycles = db.session.scalars(db.select(AssessmentCycle).order_by(AssessmentCycle.opens_on.desc())).all()
    return render_template("assessments/cycles.html", cycles=cycles, submitted=counts, today=today())


@bp.route("/cycles/new", methods=["GET", "POST"])
@login_required
def new_cycle():
    _require_cycle_manager()
    form = CycleForm()
    if form.validate_on_submit() and apply_change(
            lambda: services.open_cycle(name=form.name.data, opens_on=form.opens_on.data, closes_on=form.closes_on.data,
                                        reference_date=form.reference_date.data, baseline=form.baseline.data,
                                        actor=current_user),
            _("The cycle %(name)s is saved. Parties see it on their home page while it is open.", name=form.name.data)):
        return redirect(url_for("assessments.cycles"))
    return render_template("assessments/cycle_form.html", form=form, cycle=None)


@bp.route("/cycles/<int:cycle_id>/edit", methods=["GET", "POST"])
@login_required
def edit_cycle(cycle_id):
    _require_cycle_manager()
    cycle = _cycle_or_404(cycle_id)
    form = CycleForm(obj=cycle)
    if form.validate_on_submit() and apply_change(
            lambda: services.update_cycle(cycle, name=form.name.data, opens_on=form.opens_on.data,
                                          closes_on=form.closes_on.data, reference_date=form.reference_date.data,
                                          baseline=form.baseline.data, actor=current_user),
            _("The cycle %(name)s is saved.", name=form.name.data)):
        return redirect(url_for("assessments.cycles"))
    return render_template("assessments/cycle_form.html", form=form, cycle=cycle)


OVERVIEW_STATUSES = ("not_started", "draft", "submitted")


@bp.get("/cycles/<int:cycle_id>")
@login_required
def overview(cycle_id):
    """Which Parties have not started, drafted or submitted, by regional group; downloadable."""
    _require_cycle_manager()
    cycle = _cycle_or_404(cycle_id)
    group = request.args.get("group") if request.args.get("group") in REGIONAL_GROUP_NAMES else None
    status = request.args.get("status") if request.args.get("status") in OVERVIEW_STATUSES else None
    if request.args.get("table") == "needs":
        return send_table(need_rows(cycle.name), NEED_COLUMNS, request.args.get("format", "csv"), f"needs-{cycle.name}")
    all_rows = overview_rows(cycle, group=group)
    rows = [row for row in all_rows if status is None or row["status"] == status]
    if request.args.get("format"):
        return send_table(rows, OVERVIEW_COLUMNS, request.args["format"], f"assessments-{cycle.name}")
    totals = {s: sum(1 for row in all_rows if row["status"] == s) for s in OVERVIEW_STATUSES}
    language = current_language()
    names = {p.iso3: p.name(language) for p in db.session.scalars(db.select(Party).where(Party.cartagena_party.is_(True)))}
    rows.sort(key=lambda row: names[row["party"]])
    return render_template("assessments/overview.html", cycle=cycle, rows=rows, totals=totals, group=group, names=names,
                           status=status, REGIONAL_GROUP_NAMES=REGIONAL_GROUP_NAMES, today=today())
