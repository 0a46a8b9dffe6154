"""Occasion dates as a customer types them at checkout (core.occasions)."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import ValidationFailed
from core.occasions import parse_occasion_date

TODAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15.05", date(2026, 5, 15)),
        (" 1.1 ", date(2026, 1, 1)),
        ("15/05/1990", date(1990, 5, 15)),
        ("31.12.2027", date(2027, 12, 31)),
        ("29.02", date(2024, 2, 29)),
        ("29.02.2000", date(2000, 2, 29)),
    ],
)
def test_day_and_month_with_an_optional_year_are_read(text: str, expected: date) -> None:
    assert parse_occasion_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "unreadable"),
        (None, "unreadable"),
        ("tomorrow", "unreadable"),
        ("2026-05-15", "unreadable"),
        ("15.05.90", "unreadable"),
        ("32.01", "unreadable"),
        ("29.02.2023", "unreadable"),
        ("15.05.1899", "year"),
        ("15.05.2028", "year"),
    ],
)
def test_anything_else_is_refused_with_its_reason(text: str | None, problem: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_occasion_date(text, TODAY)
    assert refused.value.problems[0].type == problem
