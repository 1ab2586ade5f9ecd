"""Reading the assessment form (41 areas and the declared questions) into service inputs."""
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from tracker.assessments.content import AnswerInput, NeedInput
from tracker.assessments.models import VISIBILITIES
from tracker.forms import select_choices

MAX_TEXT = 5000


class AssessmentForm(FlaskForm):
    """CSRF and the version the user started from; the areas and questions are read by read_needs/read_answers."""

    lock_version = HiddenField(validators=[InputRequired()])


class VisibilityForm(FlaskForm):
    visibility = SelectField(_l("Who may see the needs"), choices=select_choices(VISIBILITIES.items()))


class CycleForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    # InputRequired: DataRequired would replace "Not a valid date value." by "This field is required.".
    opens_on = DateField(_l("Opens on"), validators=[InputRequired()])
    closes_on = DateField(_l("Closes on"), validators=[InputRequired()])
    reference_date = DateField(_l("Reference date"), validators=[InputRequired()],
                               description=_l("The Parties to the Protocol on this date form the denominator of the indicators."))
    baseline = BooleanField(_l("Baseline cycle"),
                            description=_l("The cycle later cycles are compared with, e.g. at the mid-term evaluation."))


def need_field(area, name: str) -> str:
    return f"need-{area.id}-{name}"


def answer_field(question, name: str) -> str:
    return f"answer-{question.id}-{name}"


def _optional(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _parse_int(raw: str | None, errors: dict, key: str, message: str) -> int | None:
    raw = _optional(raw)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        errors[key] = message
        return None


def read_needs(data, key_areas) -> tuple[dict[str, NeedInput], dict[str, str]]:
    """The posted values of every key area, and the errors of values that are not even of the right type."""
    needs, errors = {}, {}
    for area in key_areas:
        wanted_by = None
        raw_date = _optional(data.get(need_field(area, "wanted_by")))
        if raw_date:
            try:
                wanted_by = date.fromisoformat(raw_date)
            except ValueError:
                errors[f"{area.code}.wanted_by"] = _("Give a date as YYYY-MM-DD.")
        needs[area.code] = NeedInput(
            level=_optional(data.get(need_field(area, "level"))),
            priority=_parse_int(data.get(need_field(area, "priority")), errors, f"{area.code}.priority",
                                _("The priority is 1, 2 or 3.")),
            audiences=data.getlist(need_field(area, "audiences")),
            support_types=data.getlist(need_field(area, "support_types")),
            modality=_optional(data.get(need_field(area, "modality"))),
            languages=data.getlist(need_field(area, "languages")),
            wanted_by=wanted_by,
            comment=(data.get(need_field(area, "comment")) or "").strip()[:MAX_TEXT + 1],
        )
    return needs, errors


def read_answers(data, questions) -> tuple[dict[str, AnswerInput], dict[str, str]]:
    answers, errors = {}, {}
    for question in questions:
        answers[question.code] = AnswerInput(
            choice=_optional(data.get(answer_field(question, "choice"))),
            number=_parse_int(data.get(answer_field(question, "number")), errors, f"{question.code}.number",
                              _("Give a whole number.")),
            evidence_url=(data.get(answer_field(question, "evidence_url")) or "").strip(),
        )
    return answers, errors
