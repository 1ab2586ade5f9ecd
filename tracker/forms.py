"""Form helpers shared by the domains."""
from wtforms.fields.choices import SelectChoice


def select_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as options of a SelectField."""
    return [SelectChoice(value, label) for value, label in pairs]
