"""Forms of the match workflow. Each carries the match's lock_version: a step based on an older page is refused."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from tracker.activities.services import EARLIEST, LATEST, MAX_TEXT, MAX_TITLE, ActivityInput
from tracker.forms import ServiceForm, select_choices
from tracker.matching.models import DECLINE_REASONS
from tracker.matching.services import MAX_COMMENT
from tracker.vocabularies import MODALITIES, SUPPORT_TYPES

RATINGS = [(str(n), str(n)) for n in range(1, 6)]
_DATE_RANGE = {"min": EARLIEST.isoformat(), "max": LATEST.isoformat()}
_WHOLE_NUMBER = {"min": 0, "step": 1, "inputmode": "numeric"}


class StepForm(ServiceForm):
    """A step with nothing to say: propose, agree, start delivery."""

    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class ReasonForm(StepForm):
    """Decline or withdraw: a reason from the list, and words."""

    reason = SelectField(_l("Reason"), choices=select_choices([("", _l("Choose a reason"))] +
                                                              list(DECLINE_REASONS.items())),
                         validators=[DataRequired(_l("Choose a reason from the list."))])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=MAX_COMMENT)],
                            render_kw={"rows": 3, "maxlength": MAX_COMMENT})


class ConfirmForm(StepForm):
    rating = RadioField(_l("How useful was it? (1: not at all, 5: very)"), choices=select_choices(RATINGS),
                        validators=[InputRequired(_l("Give a rating from 1 to 5."))])
    feedback = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=MAX_COMMENT)],
                             render_kw={"rows": 3, "maxlength": MAX_COMMENT})


def _optional_id(value):
    return None if value in ("", None) else int(value)


class DeliveryForm(StepForm):
    """What the provider delivered: one of its organisation's activities, or a new one described here."""

    activity = SelectField(_l("An activity your organisation recorded"), coerce=_optional_id,
                           validate_choice=False, validators=[Optional()])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=MAX_TITLE)],
                        render_kw={"maxlength": MAX_TITLE})
    start_date = DateField(_l("Start date"), validators=[Optional()], render_kw=_DATE_RANGE)
    end_date = DateField(_l("End date"), validators=[Optional()], render_kw=_DATE_RANGE)
    support_type = SelectField(_l("Type of support"), choices=select_choices(
        [("", _l("Not stated"))] + list(SUPPORT_TYPES.items())), validators=[Optional()])
    modality = SelectField(_l("Modality"), choices=select_choices(
        [("", _l("Not stated"))] + list(MODALITIES.items())), validators=[Optional()])
    participants_women = IntegerField(_l("Women"), validators=[Optional()], render_kw=_WHOLE_NUMBER)
    participants_men = IntegerField(_l("Men"), validators=[Optional()], render_kw=_WHOLE_NUMBER)
    participants_other = IntegerField(_l("Another gender or not stated"), validators=[Optional()],
                                      render_kw=_WHOLE_NUMBER)
    results = TextAreaField(_l("Results"), validators=[Optional(), Length(max=MAX_TEXT)], render_kw={"rows": 3})

    def to_input(self) -> ActivityInput:
        return ActivityInput(
            title=self.title.data or "", status="completed", start_date=self.start_date.data,
            end_date=self.end_date.data, support_type=self.support_type.data or None,
            modality=self.modality.data or None, participants_women=self.participants_women.data,
            participants_men=self.participants_men.data, participants_other=self.participants_other.data,
            results=self.results.data or "",
        )
