"""Form helpers shared by the domains."""
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice


class ServiceForm(FlaskForm):
    """A form whose data a service validates: the service's messages can be shown next to the fields."""

    def show_errors(self, field_errors: dict[str, str]) -> None:
        for name, message in field_errors.items():
            target = getattr(self, name, None)
            if target is not None and hasattr(target, "errors") and message not in target.errors:
                target.errors = [*target.errors, message]


def select_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as options of a SelectField."""
    return [SelectChoice(value, label) for value, label in pairs]
