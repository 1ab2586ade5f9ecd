"""Offline work: the XLSX template of an assessment, and uploading it back.

Download the template; upload it filled in; see a preview of every change (or every problem);
apply it. Applying goes through `save_assessment` with the revision the preview was computed
against, so a save made by someone else in between refuses it instead of being overwritten.
"""
import io
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.utils import secure_filename

from tracker.accounts.forms import ActionForm
from tracker.assessments.content import AnswerInput, assessment_content, diff_content, need_from_content
from tracker.assessments.models import ANSWER_CHOICES, Assessment, PendingUpload
from tracker.assessments.permissions import can_edit_assessment, can_view_assessment
from tracker.assessments.services import questions_for, save_assessment
from tracker.assessments.xlsx_template import (
    ABOUT_PARTY_CODE_ROW, ABOUT_SHEET, FIELD_NAMES, NEEDS_SHEET, QUESTIONS_SHEET, XLSX_MIMETYPE, build_template,
)
from tracker.assessments.xlsx_upload import MAX_UPLOAD_BYTES, ParsedUpload, RowError, parse_upload
from tracker.clock import utcnow
from tracker.core.flow import apply_change
from tracker.extensions import db
from tracker.framework.models import KeyArea
from tracker.i18n import current_language, localized
from tracker.vocabularies import AUDIENCES, LANGUAGES, MODALITIES, NEED_LEVELS, PRIORITIES, SUPPORT_TYPES

bp = Blueprint("assessment_uploads", __name__)

PENDING_LIFETIME = timedelta(days=1)
SHEET_ORDER = {NEEDS_SHEET: 0, QUESTIONS_SHEET: 1, ABOUT_SHEET: 2}
_SINGLE_LABELS = {"level": NEED_LEVELS, "priority": PRIORITIES, "modality": MODALITIES, "choice": ANSWER_CHOICES}
_LIST_LABELS = {"audiences": AUDIENCES, "support_types": SUPPORT_TYPES, "languages": LANGUAGES}


class UploadForm(FlaskForm):
    workbook = FileField(_l("Filled-in template (.xlsx)"),
                         validators=[FileRequired(_l("Choose the workbook to upload."))],
                         render_kw={"accept": f".xlsx,{XLSX_MIMETYPE}"})


def _assessment(assessment_id: int) -> Assessment:
    return db.session.get(Assessment, assessment_id) or abort(404)


def _editable(assessment_id: int) -> Assessment:
    assessment = _assessment(assessment_id)
    if not can_edit_assessment(current_user, assessment):
        abort(403)
    return assessment


def _assessment_url(assessment: Assessment) -> str:
    return url_for("assessments.assessment", assessment_id=assessment.id)


def _upload_url(assessment: Assessment) -> str:
    return url_for("assessment_uploads.upload", assessment_id=assessment.id)


# --- the template ------------------------------------------------------------------------------

@bp.get("/assessments/<int:assessment_id>/template.xlsx")
@login_required
def template(assessment_id):
    assessment = _assessment(assessment_id)
    if not can_view_assessment(current_user, assessment.party):
        abort(403)
    language = current_language()
    name = secure_filename(f"{assessment.party.iso3}-{assessment.cycle.name}-{language}.xlsx") or "assessment.xlsx"
    response = send_file(io.BytesIO(build_template(assessment, language)), mimetype=XLSX_MIMETYPE,
                         as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- uploading and previewing ------------------------------------------------------------------

@bp.route("/assessments/<int:assessment_id>/upload", methods=["GET", "POST"])
@login_required
def upload(assessment_id):
    assessment = _editable(assessment_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return _upload_page(assessment, form)
    questions = questions_for(assessment.party)
    key_areas = {area.code: area for area in db.session.scalars(db.select(KeyArea))}
    parsed = parse_upload(form.workbook.data.stream, key_areas.keys(), questions)
    if parsed.unreadable:
        form.workbook.errors = [error.message for error in parsed.errors]
        return _upload_page(assessment, form)

    errors, notices = _about_problems(parsed, assessment)
    errors = sorted(parsed.errors + errors, key=lambda e: (SHEET_ORDER.get(e.sheet, 9), e.row or 0))
    before = assessment_content(assessment)
    changes = diff_content(before, _content_after(before, parsed))
    pending = None
    if not errors and changes:
        pending = _keep_pending(assessment, parsed)
        db.session.commit()
    return render_template(
        "assessments/upload_preview.html", assessment=assessment, assessment_url=_assessment_url(assessment),
        filename=form.workbook.data.filename, errors=errors, notices=notices, pending=pending,
        changes=[_change_row(change, key_areas, {q.code: q for q in questions}) for change in changes],
        areas_left_out=len(key_areas) - len(parsed.needs) if not errors else 0,
    )


def _upload_page(assessment: Assessment, form: UploadForm):
    return render_template("assessments/upload.html", assessment=assessment, form=form,
                           assessment_url=_assessment_url(assessment),
                           max_megabytes=MAX_UPLOAD_BYTES // (1024 * 1024))


def _content_after(before: dict, parsed: ParsedUpload) -> dict:
    """The assessment's content once the upload is saved, as `save_assessment` will make it:
    an empty row clears its area or answer, areas and questions without a row stay as they are."""
    after = {"visibility": before["visibility"], "needs": dict(before["needs"]), "answers": dict(before["answers"])}
    for section, entries in (("needs", parsed.needs), ("answers", parsed.answers)):
        for code, values in entries.items():
            if values.is_empty():
                after[section].pop(code, None)
            else:
                after[section][code] = values.as_content()
    return after


def _about_problems(parsed: ParsedUpload, assessment: Assessment) -> tuple[list[RowError], list[str]]:
    """Whether the workbook was made from this assessment, as it is now, by its About sheet."""
    about = parsed.about
    if about.get("party") and about["party"] != assessment.party.iso3:
        return [RowError(ABOUT_SHEET, ABOUT_PARTY_CODE_ROW, _(
            "This workbook is the template of another Party (%(code)s). Download the template of this "
            "assessment and fill in that one.", code=about["party"]))], []
    if (about.get("assessment_id", assessment.id) != assessment.id
            or about.get("lock_version", assessment.lock_version) != assessment.lock_version):
        return [], [_("This workbook was not made from the assessment as it is now: it has been saved since the "
                      "template was downloaded, or the template is of another cycle. Rows you left as they were may "
                      "undo changes saved since then: check every change below, or download a new template.")]
    return [], []


def _keep_pending(assessment: Assessment, parsed: ParsedUpload) -> PendingUpload:
    """Keep the parsed upload until the user applies it; clear out stale and superseded previews."""
    now = utcnow()
    db.session.execute(db.delete(PendingUpload).where(db.or_(
        PendingUpload.created_at < now - PENDING_LIFETIME,
        db.and_(PendingUpload.assessment_id == assessment.id, PendingUpload.user_id == current_user.id),
    )))
    pending = PendingUpload(assessment_id=assessment.id, user_id=current_user.id, created_at=now,
                            lock_version=assessment.lock_version, content=parsed.content())
    db.session.add(pending)
    db.session.flush()
    return pending


def _shown(field: str, value) -> str:
    """A saved value as the user reads it: labels in the interface language, "—" for nothing."""
    if value is None or value == "" or value == []:
        return "—"
    if field in _SINGLE_LABELS:
        return str(_SINGLE_LABELS[field].get(value, value))
    if field in _LIST_LABELS:
        return ", ".join(str(_LIST_LABELS[field].get(item, item)) for item in value)
    return str(value)


def _change_row(change, key_areas: dict, questions: dict) -> dict:
    subject = key_areas.get(change.code) if change.section == "needs" else questions.get(change.code)
    return {"code": change.code, "subject": localized(subject) if subject else "",
            "field": str(FIELD_NAMES.get(change.field, change.field)),
            "before": _shown(change.field, change.before), "after": _shown(change.field, change.after)}


# --- applying ----------------------------------------------------------------------------------

@bp.post("/assessments/<int:assessment_id>/upload/<int:pending_id>/apply")
@login_required
def apply(assessment_id, pending_id):
    assessment = _editable(assessment_id)
    pending = db.session.get(PendingUpload, pending_id)
    if pending is not None and pending.assessment_id != assessment.id:
        abort(404)
    if pending is not None and pending.user_id != current_user.id:
        abort(403)
    if not ActionForm().validate_on_submit():
        return redirect(_upload_url(assessment))
    expired = pending is not None and pending.created_at < utcnow() - PENDING_LIFETIME
    if expired:
        db.session.delete(pending)
        db.session.commit()
    # "made" ties the button to the preview it was shown with, should the database reuse the id.
    if pending is None or expired or request.form.get("made") != pending.created_at.isoformat():
        flash(_("This preview has expired or was already applied. Upload the workbook again."), "error")
        return redirect(_upload_url(assessment))

    needs = {code: need_from_content(values) for code, values in pending.content["needs"].items()}
    answers = {code: AnswerInput(**values) for code, values in pending.content["answers"].items()}
    saved = {}

    def change():
        saved["entries"] = save_assessment(assessment, needs=needs, answers=answers,
                                           lock_version=pending.lock_version, actor=current_user)
        db.session.delete(pending)

    if apply_change(change):
        flash(ngettext("%(num)d key area or answer was updated from the workbook.",
                       "%(num)d key areas or answers were updated from the workbook.", saved["entries"]), "success")
        return redirect(_assessment_url(assessment))
    # Refused (most often because someone saved since the preview): it would be refused again.
    stale = db.session.get(PendingUpload, pending_id)
    if stale is not None:
        db.session.delete(stale)
        db.session.commit()
    flash(_("Upload the workbook again to see its changes against the assessment as it is now."), "info")
    return redirect(_upload_url(assessment))
