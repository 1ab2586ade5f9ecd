"""The values only the Secretariat knows (rule kind `secretariat_value`), entered per cycle with their source.

How they are stored and shown: a rule's `params.unit` is "percent" or "number". A percentage is entered as
shown (0 to 100) and stored as a share between 0 and 1, like every other share of the indicators, so that
comparisons and downloads treat it the same way; a number is stored as entered. Such a value has no
denominator (it is not a share of Parties), so pages must ask `is_share()` rather than look at the
denominator to know whether to show a percentage.

Entering or clearing a value recomputes the cycle's indicators at once (tracker.indicators.services), in the
same transaction, so the stored indicator value always reflects what was entered.
"""
import math
import re
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tracker.accounts.permissions import is_secretariat
from tracker.assessments.models import AssessmentCycle
from tracker.audit.services import record
from tracker.clock import utcnow
from tracker.errors import InvalidInput, PermissionDenied
from tracker.extensions import db
from tracker.indicators.models import IndicatorValue, SecretariatValue
from tracker.indicators.rules import rules
from tracker.indicators.services import compute_cycle

KIND = "secretariat_value"
PERCENT, NUMBER = "percent", "number"
MAX_SOURCE = 1000
MAX_NUMBER = 10 ** 15  # well beyond any count the Secretariat would enter; keeps the float exact enough
AUDITED = ("value", "source")


# --- the rules and the display --------------------------------------------------------------------

def secretariat_rule(code: str) -> dict | None:
    """The rule of an indicator whose value the Secretariat enters; None for any other code."""
    rule = rules().get(code)
    return rule if rule is not None and rule["kind"] == KIND else None


def unit(code: str) -> str | None:
    """"percent" or "number" for a Secretariat value, None for other indicators."""
    rule = secretariat_rule(code)
    return None if rule is None else rule["params"].get("unit", NUMBER)


def is_share(value: IndicatorValue) -> bool:
    """Whether a stored indicator value is a share (0 to 1) to show as a percentage: a share of Parties (it has
    a denominator) or a Secretariat value in percent."""
    return value.denominator is not None or unit(value.code) == PERCENT


def as_entered(code: str, stored: float | None) -> float | None:
    """A stored value as the Secretariat enters it: a percentage 0–100, or the number."""
    if stored is None:
        return None
    return stored * 100 if unit(code) == PERCENT else stored


def _plain(number: float) -> str:
    """A number without a useless decimal part, and without float noise (87.5, 12, 0.25)."""
    text = f"{number:,.4f}".rstrip("0").rstrip(".")
    return text or "0"


def shown(code: str, stored: float | None) -> str:
    """A stored Secretariat value as the entries page shows it: "87 %", "87.5 %", "1,234"; a dash for none."""
    if stored is None:
        return "—"
    if unit(code) == PERCENT:
        return f"{_plain(stored * 100)} %"
    return _plain(stored)


def form_text(code: str, stored: float | None) -> str:
    """A stored value as it goes back into the form's value field (no thousands separator, no unit)."""
    if stored is None:
        return ""
    return _plain(as_entered(code, stored)).replace(",", "")


# --- reading ----------------------------------------------------------------------------------------

def entered_values(code: str) -> dict[int, SecretariatValue]:
    """Cycle id → the value entered for that cycle, with who entered it (one query)."""
    return {entry.cycle_id: entry for entry in db.session.scalars(
        select(SecretariatValue).where(SecretariatValue.code == code)
        .options(db.joinedload(SecretariatValue.entered_by)))}


def _entry(code: str, cycle: AssessmentCycle) -> SecretariatValue | None:
    return db.session.scalar(select(SecretariatValue).where(
        SecretariatValue.code == code, SecretariatValue.cycle_id == cycle.id))


# --- checks ------------------------------------------------------------------------------------------

def _check_actor_and_code(code: str, actor) -> dict:
    if not is_secretariat(actor):
        raise PermissionDenied(_("Only the Secretariat may enter these values."))
    rule = secretariat_rule(code)
    if rule is None:
        if code in rules():
            raise InvalidInput(_("The indicator %(code)s is computed from the data: its value cannot be entered.",
                                 code=code))
        raise InvalidInput(_("There is no indicator %(code)s.", code=code))
    return rule


# A number as people type it: "87", "87.5", ".5", "1,234", "1,234.5", optionally with a minus sign (refused
# later with its own message) or a trailing percent sign. A comma is read only as a thousands separator in
# groups of three, so "87,5" is refused rather than read as 875.
NUMBER_TEXT = re.compile(r"-?(?:\d+|\d{1,3}(?:,\d{3})+)?(?:\.\d+)?")


def _parse_number(value) -> float | None:
    """The number in the input (a number, or text such as "87", "87.5", "1,234", "87 %"); None if there is none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        number = float(value)
    else:
        text = str(value or "").strip().removesuffix("%").removesuffix("\uff05").strip()
        if not re.search(r"\d", text) or not NUMBER_TEXT.fullmatch(text):
            return None
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            return None
    return number + 0.0 if math.isfinite(number) else None  # + 0.0: no negative zero


def _checked(rule: dict, cycle: AssessmentCycle | None, value, source) -> tuple[float, str]:
    """The value to store and the source, or InvalidInput with a message per field."""
    errors = {}
    if cycle is None:
        errors["cycle"] = _("Choose the cycle the value is for.")

    percent = rule["params"].get("unit") == PERCENT
    if value is None or (isinstance(value, str) and not value.strip()):
        errors["value"] = _("Enter the value.")
        number = None
    else:
        number = _parse_number(value)
        if number is None:
            errors["value"] = _("Enter a number, such as 87 or 87.5.")
        elif number < 0:
            errors["value"] = _("The value cannot be negative.")
        elif percent and number > 100:
            errors["value"] = _("A percentage lies between 0 and 100.")
        elif number > MAX_NUMBER:
            errors["value"] = _("This number is too large.")

    source = (source or "").strip()
    if not source:
        errors["source"] = _("Say where the value comes from (for example the BCH statistics of a date, or the "
                             "analysis of the national reports).")
    elif len(source) > MAX_SOURCE:
        errors["source"] = _("The source is longer than %(n)d characters.", n=MAX_SOURCE)

    if errors:
        raise InvalidInput(_("The value was not saved: please correct the fields marked below."), errors)
    return (number / 100 if percent else number), source


# --- changes -----------------------------------------------------------------------------------------

def enter_value(code: str, cycle: AssessmentCycle | None, value, source: str, *, actor) -> SecretariatValue:
    """Enter (or replace) the value of a `secretariat_value` indicator for a cycle, with its source; then
    recompute the cycle's indicators. `value` as the user gives it: a percentage 0–100 for a percent unit
    (stored as a share 0–1), a number 0 or more otherwise; text or a number. The caller commits."""
    rule = _check_actor_and_code(code, actor)
    stored, source = _checked(rule, cycle, value, source)
    entry = _entry(code, cycle)
    before = None if entry is None else {field: getattr(entry, field) for field in AUDITED}
    if entry is None:
        entry = SecretariatValue(code=code, cycle=cycle, value=stored, source=source, entered_by_id=actor.id,
                                 entered_at=utcnow())
        try:
            with db.session.begin_nested():
                db.session.add(entry)
        except IntegrityError:  # someone entered it at the same moment: replace theirs, as a replacement would
            entry = _entry(code, cycle)
            before = {field: getattr(entry, field) for field in AUDITED}
    entry.value, entry.source, entry.entered_by_id, entry.entered_at = stored, source, actor.id, utcnow()
    db.session.flush()
    record(actor, "indicators.secretariat_value.enter", entry, before=before,
           after={"value": stored, "source": source, "unit": rule["params"].get("unit", NUMBER)})
    compute_cycle(cycle, actor=actor)
    return entry


def clear_value(code: str, cycle: AssessmentCycle | None, *, actor) -> None:
    """Remove the value entered for the cycle (the indicator then has no value for it) and recompute the
    cycle's indicators. The caller commits."""
    _check_actor_and_code(code, actor)
    if cycle is None:
        raise InvalidInput(_("Choose the cycle whose value to clear."), {"cycle": _("Choose a cycle.")})
    entry = _entry(code, cycle)
    if entry is None:
        raise InvalidInput(_("No value of %(code)s is entered for %(cycle)s, so there is nothing to clear.",
                             code=code, cycle=cycle.name))
    record(actor, "indicators.secretariat_value.clear", entry,
           before={field: getattr(entry, field) for field in AUDITED}, after=None)
    db.session.delete(entry)
    db.session.flush()
    compute_cycle(cycle, actor=actor)
