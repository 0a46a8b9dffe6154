"""The tracking page names an order's items in the page's language as they were sold
(OrderItem.product_names, core.catalog_texts): Kazakh for a Kazakh page, the shop's
own name where the product had no Kazakh one; renaming the product later changes
nothing on a past order."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from core.runtime import Runtime
from tests.api.shop.test_tracking import web_catalogs  # noqa: F401 - compiles web.mo
from tests.factories import owner_headers


async def test_the_tracking_page_in_kazakh_shows_the_kazakh_item_name(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    roses = await (
        await api.post(
            "/api/products/",
            json={
                "name": "Красные розы",
                "retail_price": 20000,
                "translations": {"kk": {"name": "Қызыл раушандар"}},
            },
            headers=headers,
        )
    ).json()
    tulips = await (
        await api.post(
            "/api/products/", json={"name": "Тюльпаны", "retail_price": 9000}, headers=headers
        )
    ).json()
    response = await api.post(
        "/api/orders/with-items",
        json={
            "customer_phone": "+77011234567",
            "items": [{"product_id": roses["id"]}, {"product_id": tulips["id"]}],
        },
        headers=headers,
    )
    assert response.status == 201, await response.text()
    order = await response.json()
    # The contract's item lines keep the shop's own name.
    assert [i["product_name"] for i in order["items"]] == ["Красные розы", "Тюльпаны"]

    # Renamed afterwards: the order reads as it was sold.
    await api.put(
        f"/api/products/{roses['id']}",
        json={"name": "Розы", "translations": {"kk": {"name": "Раушан"}}},
        headers=headers,
    )
    token = order["tracking_token"]
    kazakh = await (await api.get(f"/tracking/{token}?lang=kk")).text()
    assert '<html lang="kk">' in kazakh
    assert "Қызыл раушандар × 1" in kazakh
    assert "Тюльпаны × 1" in kazakh  # no Kazakh name: the shop's own
    assert "Раушан ×" not in kazakh and "Красные розы" not in kazakh
    russian = await (await api.get(f"/tracking/{token}?lang=ru")).text()
    assert "Красные розы × 1" in russian and "Қызыл раушандар" not in russian
