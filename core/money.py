"""Money: whole currency units, rounded half up, in one place."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def to_units(amount: Decimal | float | int | str) -> int:
    """Round an amount to whole units (tenge, sum), half up."""
    return int(Decimal(str(amount)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def convert(amount: Decimal | float | int | str, rate: Decimal | float | int | str) -> int:
    """`amount` in a foreign currency at `rate` local units per unit, as whole local units."""
    return to_units(Decimal(str(amount)) * Decimal(str(rate)))


# Digits after the point each currency counts in. Sums are stored as integers in that
# minor unit: whole tenge and sum (as the seeds say), cents for the currencies of
# commerce projects that sell abroad (a Shopify store in USD).
MINOR_DIGITS: dict[str, int] = {"KZT": 0, "UZS": 0, "USD": 2, "EUR": 2, "RUB": 2, "GBP": 2}
CURRENCIES = tuple(MINOR_DIGITS)


def minor_digits(currency: str) -> int:
    return MINOR_DIGITS.get(str(currency).upper(), 2)


def to_minor(amount: Decimal | int | str, currency: str) -> int:
    """An amount written in `currency` (`"29.99"` USD) as stored integer minor units
    (2999), rounded half up; KZT/UZS amounts are whole units already."""
    scale = Decimal(10) ** minor_digits(currency)
    return int((Decimal(str(amount)) * scale).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_minor(units: int, currency: str) -> Decimal:
    """Stored minor units as the exact amount (2999 USD -> Decimal('29.99'))."""
    digits = minor_digits(currency)
    if digits == 0:
        return Decimal(int(units))
    return Decimal(int(units)).scaleb(-digits)


def json_amount(units: int, currency: str) -> int | float:
    """An amount for a JSON answer: an integer for whole-unit currencies, else the
    number with its cents (a float only at the very end, for the JSON writer: every
    amount with up to 15 digits prints back exactly, `29.99` as `29.99`)."""
    return json_decimal(from_minor(units, currency), currency)


def json_decimal(amount: Decimal, currency: str) -> int | float:
    """An exact amount for a JSON answer, rounded half up to the currency's digits."""
    digits = minor_digits(currency)
    rounded = amount.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return int(rounded) if digits == 0 else float(rounded)
