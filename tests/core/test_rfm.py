"""RFM on a constructed customer base: ten customers ranked 0–9 on recency, frequency
and money land in the segments the table in core.analytics says; the table puts every
score combination in exactly one of the ten segments; ties score alike."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta

from core import analytics
from core.models import CashSession, Customer, Role, Sale, SaleStatus
from core.shoptime import shop_zone
from tests.factories import make_member, make_shop

# name -> (recency rank, frequency rank, money rank); 9 is the best of ten.
BASE = {
    "A": ((9, 9, 9), "Champions"),
    "B": ((0, 8, 8), "Can't Lose Them"),
    "C": ((2, 5, 5), "At Risk"),
    "D": ((6, 4, 4), "Potential Loyalist"),
    "E": ((4, 7, 7), "Loyal Customers"),
    "F": ((8, 0, 0), "Recent Customers"),
    "G": ((7, 1, 1), "Promising"),
    "H": ((5, 2, 2), "Need Attention"),
    "I": ((1, 3, 3), "Lost"),
    "J": ((3, 6, 6), "Can't Lose Them"),
}
END = date(2025, 1, 17)


def test_every_score_combination_has_exactly_one_segment() -> None:
    seen = set()
    for r, f, m in itertools.product(range(1, 6), repeat=3):
        segment = analytics.segment_of(r, f, m)
        assert segment in analytics.SEGMENTS
        seen.add(segment)
    assert seen == set(analytics.SEGMENTS)
    assert analytics.segment_of(2, 1, 5) == "Hibernating"


def test_quintiles_by_mid_rank_and_ties_alike() -> None:
    assert analytics.quintile_scores(list(range(10))) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert analytics.quintile_scores([5]) == [3]
    assert analytics.quintile_scores([1, 1, 1, 9]) == [2, 2, 2, 5]
    assert analytics.quintile_scores([0, 3], higher_is_better=False) == [4, 2]


async def test_known_customers_land_in_known_segments(db) -> None:
    shop = await make_shop("RFM Store")
    other = await make_shop("Other")
    cashier = await make_member(shop, Role.CASHIER)
    session = await CashSession.create(
        shop=shop, cashier=cashier, opened_at=datetime.now(shop_zone(shop))
    )
    seq = itertools.count(1)
    customers = {}

    async def sale(
        customer: Customer,
        day: date,
        amount: int,
        status: SaleStatus = SaleStatus.COMPLETED,
        **extra,
    ) -> None:
        n = next(seq)
        await Sale.create(
            shop=shop,
            session=session,
            customer=customer,
            seq=n,
            receipt_number=f"R-{n}",
            status=status,
            total_amount=amount,
            paid_amount=amount,
            completed_at=datetime.combine(day, time(12), tzinfo=shop_zone(shop)),
            **extra,
        )

    for index, (name, ((r, f, m), _)) in enumerate(BASE.items()):
        assert m == f  # so each purchase is 10 000
        customer = await Customer.create(shop=shop, phone=f"+7701000000{index}", name=name)
        customers[name] = customer
        last = END - timedelta(days=(9 - r) * 3)
        # f + 1 purchases worth (m + 1) × 10 000 in all (m == f here).
        for _ in range(f + 1):
            await sale(customer, last, 10_000)
    # Voided sales and other stores' customers are no one's purchases.
    ghost = await Customer.create(shop=shop, phone="+77019999999", name="Ghost")
    await sale(ghost, END, 99_999, SaleStatus.CANCELLED)
    # A purchase before the period does not count.
    await sale(customers["A"], END - timedelta(days=40), 50_000)
    outsider = await Customer.create(shop=other, phone="+77018888888", name="Outsider")
    assert outsider.id

    scores = await analytics.rfm_scores(shop, END - timedelta(days=30), END)
    found = {s.customer.name: s.segment for s in scores}
    assert found == {name: segment for name, (_, segment) in BASE.items()}
    a = next(s for s in scores if s.customer.name == "A")
    assert (a.r, a.f, a.m, a.frequency, a.monetary, a.recency_days) == (5, 5, 5, 10, 100_000, 0)
    at_risk = sorted(s.customer.name for s in scores if s.segment in analytics.AT_RISK_SEGMENTS)
    assert at_risk == ["B", "C", "I", "J"]
