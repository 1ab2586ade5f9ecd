from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, URLField
from wtforms.validators import URL, DataRequired, Email, EqualTo, Length, Optional

from tracker.accounts.models import ROLES
from tracker.accounts.services import MIN_PASSWORD_LENGTH
from tracker.forms import select_choices
from tracker.i18n import LANGUAGE_NAMES
from tracker.organisations.models import ORGANISATION_TYPES


def _password_field(label):
    return PasswordField(label, validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
                         render_kw={"autocomplete": "new-password"})


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


class _RegisterForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    job_title = StringField(_l("Position"), validators=[Optional(), Length(max=200)])
    password = _password_field(_l("Password"))
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", _l("The passwords do not match."))])
    locale = SelectField(_l("Language for e-mails"), choices=select_choices(LANGUAGE_NAMES.items()))


class RegisterPartyForm(_RegisterForm):
    party = SelectField(_l("Party"), validators=[DataRequired()])


class RegisterProviderForm(_RegisterForm):
    organisation_name = StringField(_l("Organisation"), validators=[DataRequired(), Length(max=200)],
                                    render_kw={"list": "organisations"})
    organisation_type = SelectField(_l("Type of organisation"), choices=select_choices(ORGANISATION_TYPES.items()))
    country = SelectField(_l("Country of the organisation"), validators=[Optional()])
    website = URLField(_l("Website"), validators=[Optional(), URL(), Length(max=300)])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = _password_field(_l("New password"))
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", _l("The passwords do not match."))])


class ProfileForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    job_title = StringField(_l("Position"), validators=[Optional(), Length(max=200)])
    locale = SelectField(_l("Language for e-mails"), choices=select_choices(LANGUAGE_NAMES.items()))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()],
                            render_kw={"autocomplete": "current-password"})
    password = _password_field(_l("New password"))
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", _l("The passwords do not match."))])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=select_choices(ROLES.items()))
    party = SelectField(_l("Party (for Party roles)"), validators=[Optional()])
    organisation = SelectField(_l("Organisation (for the provider role)"), validators=[Optional()])


class ActionForm(FlaskForm):
    """A button that changes something: carries only the CSRF token."""
