from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from tracker.api.services import MAX_NAME
from tracker.forms import ServiceForm


class TokenForm(ServiceForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the token a name, such as the script that "
                                                               "will use it.")), Length(max=MAX_NAME)],
                       render_kw={"maxlength": MAX_NAME, "autocomplete": "off"})
