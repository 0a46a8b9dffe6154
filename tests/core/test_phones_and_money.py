"""Phone normalisation (phonenumbers, never a regex) and money rounding."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import ValidationFailed
from core.money import convert, to_units
from core.phones import InvalidPhone, mask_phone, normalize_kz_phone, normalize_phone, phone_or_422


@pytest.mark.parametrize(
    "raw", ["+77011234567", "87011234567", "8 (701) 123-45-67", "+7 701 123 45 67", "7011234567"]
)
def test_kazakh_numbers_in_any_common_spelling_become_e164(raw: str) -> None:
    assert normalize_kz_phone(raw) == "+77011234567"


def test_uzbek_numbers_are_valid_phones_but_not_kazakh() -> None:
    assert normalize_phone("+998 90 123 45 67") == "+998901234567"
    with pytest.raises(InvalidPhone):
        normalize_kz_phone("+998901234567")
    with pytest.raises(InvalidPhone):
        normalize_kz_phone("+79161234567")


@pytest.mark.parametrize("raw", ["", "hello", "+7701", "+7701123456789012"])
def test_garbage_is_refused_with_a_located_422(raw: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        phone_or_422(raw, "phone", kazakh_only=True)
    assert raised.value.problems[0].loc == ("phone",)


def test_masking_keeps_the_ends() -> None:
    assert mask_phone("+77011234567") == "+7701***4567"


def test_money_rounds_half_up_to_whole_units() -> None:
    assert to_units(Decimal("0.5")) == 1
    assert to_units("2.49") == 2
    assert convert("0.5", "470.0") == 235
    assert convert("0.333", "470") == 157
