"""The Secretariat's page for the values it enters (rule kind `secretariat_value`): per cycle the value, its
source, who entered it and when; a form to enter or replace one cycle's value, and a button to clear it.

The rules (who may, what is a valid value, how a percentage is stored) are tracker.indicators.entries'."""
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from tracker.accounts.permissions import is_secretariat
from tracker.assessments.models import AssessmentCycle
from tracker.clock import today
from tracker.core.flow import apply_change
from tracker.extensions import db
from tracker.forms import ServiceForm
from tracker.framework.models import CBIndicator, PlanIndicator
from tracker.indicators import entries
from tracker.indicators.rules import framework_code
from tracker.indicators.views import text
from tracker.security import bounded_number

bp = Blueprint("indicator_entries", __name__)

ENTER, CLEAR = "enter", "clear"


class Required:
    """Marks a field as required (the asterisk) without checking it: the service checks, with its own words."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        pass


class SecretariatValueForm(ServiceForm):
    action = HiddenField(default=ENTER)
    cycle = SelectField(_l("Cycle"), validate_choice=False, validators=[Required()])
    value = StringField(_l("Value"), validators=[Required()],
                        render_kw={"inputmode": "decimal", "autocomplete": "off", "maxlength": 32})
    source = TextAreaField(_l("Source"), validators=[Required()],
                           render_kw={"rows": 3, "maxlength": entries.MAX_SOURCE})


class ClearForm(ServiceForm):
    action = HiddenField(default=CLEAR)
    cycle = HiddenField()


def _framework_item(code: str):
    annex, printed = framework_code(code)
    model = PlanIndicator if annex == "plan" else CBIndicator
    return db.session.scalar(select(model).where(model.code == printed))


def _cycles() -> list[AssessmentCycle]:
    """Newest first."""
    return list(db.session.scalars(select(AssessmentCycle).order_by(AssessmentCycle.opens_on.desc(),
                                                                    AssessmentCycle.id.desc())))


def _cycle(asked, cycles: list[AssessmentCycle]) -> AssessmentCycle | None:
    asked = bounded_number(str(asked or ""))
    return next((cycle for cycle in cycles if asked is not None and cycle.id == asked), None)


def _default_cycle(cycles: list[AssessmentCycle]) -> AssessmentCycle | None:
    """The cycle asked for in the query string, or the newest that has opened, or the newest."""
    asked = _cycle(request.args.get("cycle"), cycles)
    if asked is not None:
        return asked
    return next((cycle for cycle in cycles if cycle.opens_on <= today()), cycles[0] if cycles else None)


def _value_hint(unit: str) -> str:
    if unit == entries.PERCENT:
        return _("A percentage between 0 and 100, such as 87 or 87.5. It is shown as “87 %”.")
    return _("A number, 0 or more, such as 1250.")


def _prefilled(code: str, cycle: AssessmentCycle | None, entered: dict) -> SecretariatValueForm:
    """The form for a cycle, holding the value entered for it, if any, to replace."""
    current = entered.get(cycle.id) if cycle else None
    return SecretariatValueForm(formdata=None, data={
        "cycle": str(cycle.id) if cycle else "",
        "value": entries.form_text(code, current.value) if current else "",
        "source": current.source if current else ""})


@bp.route("/indicators/<path:code>/entries", methods=["GET", "POST"])
@login_required
def entries_page(code):
    if not is_secretariat(current_user):
        abort(403)
    rule = entries.secretariat_rule(code) or abort(404)
    cycles = _cycles()
    status = 200

    if request.method == "POST" and request.form.get("action") == CLEAR:
        cycle = _cycle(ClearForm().cycle.data, cycles)
        if apply_change(lambda: entries.clear_value(code, cycle, actor=current_user),
                        _("The value of %(code)s for %(cycle)s is cleared; the cycle's indicators are recomputed.",
                          code=code, cycle=cycle.name if cycle else "")):
            return redirect(url_for(".entries_page", code=code))
        status, form, prefill = 422, None, cycle or _default_cycle(cycles)
    elif request.method == "POST":
        form = SecretariatValueForm()
        cycle = _cycle(form.cycle.data, cycles)
        if apply_change(lambda: entries.enter_value(code, cycle, form.value.data, form.source.data,
                                                    actor=current_user),
                        _("The value of %(code)s for %(cycle)s is saved; the cycle's indicators are recomputed.",
                          code=code, cycle=cycle.name if cycle else ""), form=form):
            return redirect(url_for(".entries_page", code=code))
        status, prefill = 422, None  # the input stays in the form, with the service's messages next to the fields
    else:
        form, prefill = None, _default_cycle(cycles)

    entered = entries.entered_values(code)  # read after any change was committed or rolled back
    if form is None:
        form = _prefilled(code, prefill, entered)

    form.cycle.choices = [("", _("Choose a cycle"))] + [(str(cycle.id), cycle.name) for cycle in cycles]
    unit = entries.unit(code)
    form.value.label.text = _("Value (%)") if unit == entries.PERCENT else _("Value")
    return render_template(
        "indicators/entries.html", code=code, rule=rule, item=_framework_item(code), cycles=cycles,
        entered=entered, form=form, unit=unit, value_hint=_value_hint(unit),
        shown=entries.shown, text=text, plan=framework_code(code)[0] == "plan", CLEAR=CLEAR,
        MAX_SOURCE=entries.MAX_SOURCE,
    ), status
