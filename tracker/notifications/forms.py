"""The preferences form: how often each kind of notification goes out by e-mail."""
from wtforms import RadioField
from wtforms.validators import InputRequired

from tracker.forms import ServiceForm, select_choices
from tracker.notifications.kinds import KINDS
from tracker.notifications.models import FREQUENCIES


def preferences_form(kinds: list[str], current: dict[str, str]) -> ServiceForm:
    """One choice of frequency per kind the user may receive, named after the kind."""

    class PreferencesForm(ServiceForm):
        pass

    for kind in kinds:
        setattr(PreferencesForm, kind, RadioField(KINDS[kind].label, choices=select_choices(FREQUENCIES.items()),
                                                  validators=[InputRequired()], default=current[kind]))
    return PreferencesForm()
