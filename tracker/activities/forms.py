"""The activity form. It parses types and marks what is required; the rules themselves (dates in order,
links, amounts…) are the service's, so the HTML form and any other caller get the same answer."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField, DecimalField, FieldList, Form, FormField, IntegerField, RadioField, SelectField,
    SelectMultipleField, StringField, TextAreaField, URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from tracker.activities.services import (
    EARLIEST, LATEST, MAX_OUTPUT_TITLE, MAX_OUTPUTS, MAX_SOURCE, MAX_TEXT, MAX_TITLE, MAX_URL, ActivityInput,
)
from tracker.extensions import db
from tracker.forms import ServiceForm, select_choices
from tracker.framework.models import Goal
from tracker.i18n import current_language, localized
from tracker.offers.models import Offer
from tracker.parties.models import REGIONAL_GROUPS, Party
from tracker.parties.views import REGIONAL_GROUP_NAMES
from tracker.vocabularies import ACTIVITY_STATUSES, LANGUAGES, MODALITIES, SUPPORT_TYPES

PARTY_ROLE_LABELS = {
    "organised": _l("Your Party organised it"),
    "took_part": _l("Your Party took part"),
}
EMPTY_OUTPUT_ROWS = 3

_DATE_RANGE = {"min": EARLIEST.isoformat(), "max": LATEST.isoformat()}
_WHOLE_NUMBER = {"min": 0, "step": 1, "inputmode": "numeric"}


class OutputForm(Form):
    """One material produced by the activity (a plain Form: the CSRF token belongs to the whole form)."""

    title = StringField(_l("Title"), validators=[Optional(), Length(max=MAX_OUTPUT_TITLE)])
    url = URLField(_l("Link (http:// or https://)"), validators=[Optional(), Length(max=MAX_URL)])


class ActivityForm(ServiceForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Give the activity a title.")),
                                                 Length(max=MAX_TITLE)], render_kw={"maxlength": MAX_TITLE})
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=MAX_TEXT)],
                                render_kw={"rows": 4})
    party_role = RadioField(
        _l("Role of your Party"), choices=select_choices(PARTY_ROLE_LABELS.items()), validate_choice=False,
        validators=[InputRequired(_l("Say whether your Party organised the activity or took part in it."))])
    status = SelectField(_l("Status"), choices=select_choices(
        [("", _l("Choose the status"))] + list(ACTIVITY_STATUSES.items())),
        validators=[DataRequired(_l("Choose the status."))])
    start_date = DateField(_l("Start date"), validators=[Optional()], render_kw=_DATE_RANGE)
    end_date = DateField(_l("End date"), validators=[Optional()], render_kw=_DATE_RANGE)
    key_areas = SelectMultipleField(_l("Key capacity-building areas"),
                                    validators=[DataRequired(_l("Choose at least one key area."))])
    activity_examples = SelectMultipleField(_l("Example capacity-building activities"), validators=[Optional()])
    support_type = SelectField(_l("Type of support"), choices=select_choices(
        [("", _l("Not stated"))] + list(SUPPORT_TYPES.items())), validators=[Optional()])
    modality = SelectField(_l("Modality"), choices=select_choices(
        [("", _l("Not stated"))] + list(MODALITIES.items())), validators=[Optional()])
    languages = SelectMultipleField(_l("Languages"), choices=select_choices(LANGUAGES.items()),
                                    validators=[Optional()])
    participants_women = IntegerField(_l("Women"), validators=[Optional()], render_kw=_WHOLE_NUMBER)
    participants_men = IntegerField(_l("Men"), validators=[Optional()], render_kw=_WHOLE_NUMBER)
    participants_other = IntegerField(_l("Another gender or not stated"), validators=[Optional()],
                                      render_kw=_WHOLE_NUMBER)
    outputs = FieldList(FormField(OutputForm), min_entries=EMPTY_OUTPUT_ROWS, max_entries=MAX_OUTPUTS)
    funding_amount = DecimalField(_l("Amount"), places=2, validators=[Optional()],
                                  render_kw={"inputmode": "decimal"})
    funding_currency = StringField(_l("Currency (ISO code, e.g. USD)"), validators=[Optional(), Length(max=3)],
                                   render_kw={"maxlength": 3, "autocapitalize": "characters", "class": "short"})
    funding_source = StringField(_l("Source of funding"), validators=[Optional(), Length(max=MAX_SOURCE)])
    results = TextAreaField(_l("Results"), validators=[Optional(), Length(max=MAX_TEXT)], render_kw={"rows": 4})
    # The version the user started from; a save based on an older one is refused.
    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])

    def set_framework_choices(self) -> None:
        """Key areas and example activities grouped by goal, in the interface language."""
        goals = db.session.scalars(db.select(Goal).order_by(Goal.position).options(
            db.selectinload(Goal.key_areas), db.selectinload(Goal.activity_examples))).all()
        self.key_areas.choices = _grouped(goals, "key_areas")
        self.activity_examples.choices = _grouped(goals, "activity_examples")

    def add_empty_output_rows(self) -> None:
        """A few empty rows after the materials already given, up to the maximum."""
        filled = sum(1 for entry in self.outputs if entry.form.title.data or entry.form.url.data)
        while len(self.outputs) < min(filled + EMPTY_OUTPUT_ROWS, MAX_OUTPUTS):
            self.outputs.append_entry()

    def to_input(self) -> ActivityInput:
        return ActivityInput(
            title=self.title.data or "",
            description=self.description.data or "",
            party_role=(self.party_role.data or None) if self.party_role else None,
            status=self.status.data,
            start_date=self.start_date.data,
            end_date=self.end_date.data,
            key_areas=list(self.key_areas.data or []),
            activity_examples=list(self.activity_examples.data or []),
            support_type=self.support_type.data or None,
            modality=self.modality.data or None,
            languages=list(self.languages.data or []),
            participants_women=self.participants_women.data,
            participants_men=self.participants_men.data,
            participants_other=self.participants_other.data,
            outputs=[{"title": entry.form.title.data or "", "url": entry.form.url.data or ""}
                     for entry in self.outputs],
            funding_amount=self.funding_amount.data,
            funding_currency=self.funding_currency.data or "",
            funding_source=self.funding_source.data or "",
            results=self.results.data or "",
        )

    def show_errors(self, field_errors: dict[str, str]) -> None:
        """Put a service's messages next to the fields they are about ("outputs.2.url" included); a message
        about the list of materials as a whole is in the flashed summary."""
        for key, message in field_errors.items():
            name, __, rest = key.partition(".")
            target = getattr(self, name, None)
            if isinstance(target, FieldList):
                index, __, subfield = rest.partition(".")
                in_range = index.isdigit() and int(index) < len(target.entries)
                target = getattr(target.entries[int(index)].form, subfield, None) if in_range else None
            if target is not None:
                target.errors = [*target.errors, message]


def _optional_id(value):
    """A select's value as an id: "" is none; anything not a number is refused by the field."""
    return None if value in ("", None) else int(value)


class OrganisationActivityForm(ActivityForm):
    """An organisation's record: no Party role, but the Parties that benefited and the offer it came from."""

    party_role = None
    beneficiaries = SelectMultipleField(_l("Beneficiary Parties"), validate_choice=False, validators=[Optional()])
    # The service checks that the offer is the organisation's own, whatever the form was sent.
    offer = SelectField(_l("Offer"), coerce=_optional_id, validate_choice=False, validators=[Optional()])

    def set_recipient_choices(self, organisation) -> None:
        """The Parties to the Protocol grouped by UN regional group (the EU last, in none), and the offers of
        the recording organisation, drafts included: a planned activity may follow an offer not yet published."""
        language = current_language()
        parties = db.session.scalars(db.select(Party).where(Party.cartagena_party.is_(True))).all()
        group_order = {group: index for index, group in enumerate(REGIONAL_GROUPS)}
        parties.sort(key=lambda p: (group_order.get(p.un_regional_group, len(group_order)), p.name(language)))
        self.beneficiaries.choices = [
            SelectChoice(p.iso3, p.name(language),
                         optgroup=str(REGIONAL_GROUP_NAMES[p.un_regional_group]) if p.un_regional_group else None)
            for p in parties]
        offers = db.session.scalars(db.select(Offer).where(Offer.organisation_id == organisation.id)
                                    .order_by(Offer.title, Offer.id)).all()
        self.offer.choices = [SelectChoice("", _l("No offer"))] + [
            SelectChoice(offer.id, f"{offer.title} ({offer.status_label})") for offer in offers]

    def to_input(self) -> ActivityInput:
        data = super().to_input()
        data.beneficiaries = list(self.beneficiaries.data or [])
        data.offer_id = self.offer.data
        return data


def activity_form(organisation=None, data: dict | None = None) -> ActivityForm:
    """The form of a record of `organisation` (None: of a Party) with its choices set; `data` are the stored
    values an edit form starts from."""
    form = (ActivityForm if organisation is None else OrganisationActivityForm)(data=data)
    form.set_framework_choices()
    if organisation is not None:
        form.set_recipient_choices(organisation)
    return form


def activity_form_data(activity) -> dict:
    """The stored activity as form data, for the edit page."""
    return {
        "title": activity.title, "description": activity.description, "party_role": activity.party_role,
        "status": activity.status, "start_date": activity.start_date, "end_date": activity.end_date,
        "key_areas": [area.code for area in activity.key_areas],
        "activity_examples": [example.code for example in activity.activity_examples],
        "support_type": activity.support_type or "", "modality": activity.modality or "",
        "languages": list(activity.languages or []),
        "participants_women": activity.participants_women, "participants_men": activity.participants_men,
        "participants_other": activity.participants_other,
        "outputs": [dict(output) for output in activity.outputs or []],
        "funding_amount": activity.funding_amount, "funding_currency": activity.funding_currency,
        "funding_source": activity.funding_source, "results": activity.results,
        "beneficiaries": [beneficiary.iso3 for beneficiary in activity.beneficiaries],
        "offer": activity.offer_id,
        "lock_version": activity.lock_version,
    }


def _grouped(goals, items: str) -> list[SelectChoice]:
    return [SelectChoice(item.code, f"{item.code} {localized(item)}", optgroup=f"{goal.code} {localized(goal)}")
            for goal in goals for item in getattr(goal, items)]
