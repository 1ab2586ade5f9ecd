"""Checks shared by the services: links, money, and choices from the framework."""
from decimal import Decimal
from urllib.parse import urlsplit

from babel.numbers import list_currencies
from flask_babel import gettext as _

from tracker.extensions import db
from tracker.framework.models import ActivityExample, KeyArea

MAX_AMOUNT = Decimal("1e12")  # the Numeric(14, 2) columns hold 12 digits before the decimal point
CENT = Decimal("0.01")


def check_money(amount: Decimal | None, currency: str | None, errors: dict, *, amount_field: str,
                currency_field: str) -> tuple[Decimal | None, str]:
    """An amount (0 or more, to the cent) and its ISO 4217 currency; problems go into `errors` by field."""
    currency = (currency or "").strip().upper()
    if amount is not None:
        if not amount.is_finite() or amount < 0 or amount >= MAX_AMOUNT:
            errors[amount_field] = _("Give the amount as a number of 0 or more.")
        else:
            amount = amount.quantize(CENT)
            if not currency:
                errors[currency_field] = _("Give the currency of the amount.")
    if currency and currency not in list_currencies():
        errors[currency_field] = _("Give a three-letter ISO 4217 currency code, such as USD or EUR.")
    return amount, currency


def is_web_link(url: str) -> bool:
    """An http(s) address with a host and no spaces: safe to put in a link."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in url)


def by_code(model, codes: list[str]) -> dict:
    """The framework items with these codes, by code (one query)."""
    if not codes:
        return {}
    return {item.code: item for item in db.session.scalars(db.select(model).where(model.code.in_(set(codes))))}


def check_framework_choices(key_area_codes: list[str], example_codes: list[str], errors: dict) -> tuple[dict, dict]:
    """At least one key area, and only key areas and example activities that exist; by code."""
    areas = by_code(KeyArea, key_area_codes)
    if not key_area_codes:
        errors["key_areas"] = _("Choose at least one key area.")
    elif len(areas) != len(set(key_area_codes)):
        errors["key_areas"] = _("Choose key areas from the list.")
    examples = by_code(ActivityExample, example_codes)
    if len(examples) != len(set(example_codes)):
        errors["activity_examples"] = _("Choose example activities from the list.")
    return areas, examples
