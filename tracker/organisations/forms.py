"""The organisation profile form. The rules (website links, a vetted organisation's name, e-mail address) are the
service's; the form parses and marks what is required."""
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, Optional

from tracker.forms import ServiceForm, select_choices
from tracker.organisations.models import ORGANISATION_TYPES
from tracker.organisations.services import MAX_DESCRIPTION, MAX_NAME, MAX_WEBSITE, OrganisationProfileInput


class OrganisationProfileForm(ServiceForm):
    name = StringField(_l("Name of the organisation"), validators=[DataRequired(), Length(max=MAX_NAME)],
                       render_kw={"maxlength": MAX_NAME})
    type = SelectField(_l("Type of organisation"), choices=select_choices(ORGANISATION_TYPES.items()))
    country = SelectField(_l("Country of the organisation"), validators=[Optional()])  # choices set by the view
    website = URLField(_l("Website"), validators=[Optional(), Length(max=MAX_WEBSITE)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=MAX_DESCRIPTION)],
                                render_kw={"rows": 6})
    contact_email = EmailField(_l("Contact e-mail address"), validators=[Optional(), Length(max=254)])

    def to_input(self) -> OrganisationProfileInput:
        return OrganisationProfileInput(
            name=self.name.data or "", type=self.type.data or "", country=self.country.data or None,
            website=self.website.data or "", description=self.description.data or "",
            contact_email=self.contact_email.data or "")



def profile_form_data(organisation) -> dict:
    return {"name": organisation.name, "type": organisation.type,
            "country": organisation.country.iso3 if organisation.country else "",
            "website": organisation.website, "description": organisation.description,
            "contact_email": organisation.contact_email}
