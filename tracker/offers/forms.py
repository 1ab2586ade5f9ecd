"""The offer form. It parses types and marks what is required; the rules themselves (at least one key area,
dates in order, eligibility, amounts…) are the service's, so the HTML form and any other caller get the same
answer."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField, DateField, DecimalField, EmailField, IntegerField, RadioField, SelectField, SelectMultipleField,
    StringField, TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from tracker.extensions import db
from tracker.forms import ServiceForm, select_choices
from tracker.framework.models import Goal
from tracker.i18n import current_language, localized
from tracker.offers.services import EARLIEST, LATEST, MAX_CAPACITY, MAX_TEXT, MAX_TITLE, OfferInput
from tracker.organisations.services import MAX_EMAIL
from tracker.parties.models import REGIONAL_GROUPS, Party
from tracker.parties.views import REGIONAL_GROUP_NAMES
from tracker.vocabularies import AUDIENCES, LANGUAGES, MODALITIES, SUPPORT_TYPES

ELIGIBILITY_CHOICES = {
    "all": _l("All Parties to the Protocol"),
    "some": _l("Only Parties that meet at least one of the criteria below"),
}
_DATE_RANGE = {"min": EARLIEST.isoformat(), "max": LATEST.isoformat()}


class OfferForm(ServiceForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Give the offer a title.")), Length(max=MAX_TITLE)],
                        render_kw={"maxlength": MAX_TITLE})
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=MAX_TEXT)],
                                render_kw={"rows": 5})
    support_types = SelectMultipleField(_l("Types of support"), choices=select_choices(SUPPORT_TYPES.items()),
                                        validators=[DataRequired(_l("Choose at least one type of support."))])
    audiences = SelectMultipleField(_l("Who it is for"), choices=select_choices(AUDIENCES.items()),
                                    validators=[Optional()])
    key_areas = SelectMultipleField(_l("Key capacity-building areas"),
                                    validators=[DataRequired(_l("Choose at least one key area."))])
    activity_examples = SelectMultipleField(_l("Example capacity-building activities"), validators=[Optional()])

    eligibility = RadioField(_l("Who may benefit"), choices=select_choices(ELIGIBILITY_CHOICES.items()),
                             default="all", validators=[InputRequired(_l("Say which Parties may benefit."))])
    eligible_groups = SelectMultipleField(_l("Parties in these UN regional groups"),
                                          choices=select_choices((group, REGIONAL_GROUP_NAMES[group])
                                                                 for group in REGIONAL_GROUPS),
                                          validators=[Optional()])
    eligible_ldc = BooleanField(_l("Least developed countries"))
    eligible_sids = BooleanField(_l("Small island developing States"))
    eligible_developing = BooleanField(_l("Developing countries and economies in transition"))
    eligible_supplementary = BooleanField(_l("Parties to the Supplementary Protocol"))
    eligible_parties = SelectMultipleField(_l("These Parties"), validate_choice=False, validators=[Optional()],
                                           render_kw={"size": 8})

    languages = SelectMultipleField(_l("Languages"), choices=select_choices(LANGUAGES.items()),
                                    validators=[DataRequired(_l("Choose at least one language."))])
    modality = SelectField(_l("Modality"), choices=select_choices(
        [("", _l("Not stated"))] + list(MODALITIES.items())), validators=[Optional()])
    capacity = IntegerField(_l("Number of Parties it can serve"),
                            validators=[InputRequired(_l("Give the number of Parties the offer can serve."))],
                            render_kw={"min": 1, "max": MAX_CAPACITY, "step": 1, "inputmode": "numeric",
                                       "class": "short"})
    opens_on = DateField(_l("Opens on"), validators=[Optional()], render_kw=_DATE_RANGE)
    closes_on = DateField(_l("Closes on"), validators=[Optional()], render_kw=_DATE_RANGE)
    budget_amount = DecimalField(_l("Budget"), places=2, validators=[Optional()], render_kw={"inputmode": "decimal"})
    budget_currency = StringField(_l("Currency (ISO code, e.g. USD)"), validators=[Optional(), Length(max=3)],
                                  render_kw={"maxlength": 3, "autocapitalize": "characters", "class": "short"})
    contact_email = EmailField(_l("Contact e-mail address"), validators=[Optional(), Length(max=MAX_EMAIL)])
    # The version the user started from; a save based on an older one is refused.
    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])

    def set_choices(self) -> None:
        """Key areas and example activities grouped by goal, Parties to the Protocol grouped by regional group,
        in the interface language."""
        goals = db.session.scalars(db.select(Goal).order_by(Goal.position).options(
            db.selectinload(Goal.key_areas), db.selectinload(Goal.activity_examples))).all()
        self.key_areas.choices = _grouped(goals, "key_areas")
        self.activity_examples.choices = _grouped(goals, "activity_examples")
        language = current_language()
        parties = db.session.scalars(db.select(Party).where(Party.cartagena_party.is_(True))).all()
        order = {group: index for index, group in enumerate(REGIONAL_GROUPS)}
        parties.sort(key=lambda p: (order.get(p.un_regional_group, len(order)), p.name(language)))
        self.eligible_parties.choices = [
            SelectChoice(p.iso3, p.name(language),
                         optgroup=str(REGIONAL_GROUP_NAMES[p.un_regional_group]) if p.un_regional_group else None)
            for p in parties]

    def to_input(self) -> OfferInput:
        return OfferInput(
            title=self.title.data or "",
            description=self.description.data or "",
            support_types=list(self.support_types.data or []),
            audiences=list(self.audiences.data or []),
            key_areas=list(self.key_areas.data or []),
            activity_examples=list(self.activity_examples.data or []),
            eligible_all=self.eligibility.data != "some",
            eligible_groups=list(self.eligible_groups.data or []),
            eligible_ldc=bool(self.eligible_ldc.data),
            eligible_sids=bool(self.eligible_sids.data),
            eligible_developing=bool(self.eligible_developing.data),
            eligible_supplementary=bool(self.eligible_supplementary.data),
            eligible_parties=list(self.eligible_parties.data or []),
            languages=list(self.languages.data or []),
            modality=self.modality.data or None,
            capacity=self.capacity.data,
            opens_on=self.opens_on.data,
            closes_on=self.closes_on.data,
            budget_amount=self.budget_amount.data,
            budget_currency=self.budget_currency.data or "",
            contact_email=self.contact_email.data or "",
        )



def offer_form_data(offer) -> dict:
    """The stored offer as form data, for the edit page."""
    return {
        "title": offer.title, "description": offer.description,
        "support_types": list(offer.support_types or []),
        "audiences": list(offer.audiences or []),
        "key_areas": [area.code for area in offer.key_areas],
        "activity_examples": [example.code for example in offer.activity_examples],
        "eligibility": "all" if offer.eligible_all else "some",
        "eligible_groups": list(offer.eligible_groups or []),
        "eligible_ldc": offer.eligible_ldc, "eligible_sids": offer.eligible_sids,
        "eligible_developing": offer.eligible_developing, "eligible_supplementary": offer.eligible_supplementary,
        "eligible_parties": [party.iso3 for party in offer.eligible_parties],
        "languages": list(offer.languages or []), "modality": offer.modality or "",
        "capacity": offer.capacity, "opens_on": offer.opens_on, "closes_on": offer.closes_on,
        "budget_amount": offer.budget_amount, "budget_currency": offer.budget_currency,
        "contact_email": offer.contact_email, "lock_version": offer.lock_version,
    }


def _grouped(goals, items: str) -> list[SelectChoice]:
    return [SelectChoice(item.code, f"{item.code} {localized(item)}", optgroup=f"{goal.code} {localized(goal)}")
            for goal in goals for item in getattr(goal, items)]
