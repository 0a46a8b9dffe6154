"""Money: whole currency units, rounded half up, in one place."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def to_units(amount: Decimal | float | int | str) -> int:
    """Round an amount to whole units (tenge, sum), half up."""
    return int(Decimal(str(amount)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def convert(amount: Decimal | float | int | str, rate: Decimal | float | int | str) -> int:
    """`amount` in a foreign currency at `rate` local units per unit, as whole local units."""
    return to_units(Decimal(str(amount)) * Decimal(str(rate)))
