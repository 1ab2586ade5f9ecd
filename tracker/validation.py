"""Checks shared by the services that take money amounts."""
from decimal import Decimal

from babel.numbers import list_currencies
from flask_babel import gettext as _

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
