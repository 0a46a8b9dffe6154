"""Public tracking: the JSON endpoint and the page, over real HTTP; the page also in
headless Chromium with a screenshot check."""

from __future__ import annotations

import io
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from PIL import Image

from core.i18n import LANGUAGES, LOCALES_DIR, translations
from core.models import Order, OrderItem, OrderPhoto, PhotoKind, Shop
from core.orders.service import change_status
from core.orders.status import OrderStatus
from core.photos import add_order_photo
from core.runtime import Runtime
from core.tracking import mask_address
from tests.factories import owner_headers

CHROMIUM = Path("/usr/bin/chromium")
HAVE_CHROMIUM = CHROMIUM.exists()
REQUIRE_SERVICES = os.environ.get("SAUDA_REQUIRE_SERVICES") == "1"
PERSONAL = ("Айгуль", "Касымова", "Иван", "Петров", "7011234567", "7017654321", "кв. 45", "Достык")
ORDER = {
    "customer_phone": "+77011234567",
    "customer_name": "Иван Петров",
    "recipient_phone": "+77017654321",
    "recipient_name": "Айгуль Касымова",
    "address": "г. Алматы, пр. Достык 89, кв. 45",
    "delivery_method": "delivery",
    # 14:00-16:00 in Almaty and Tashkent (UTC+5).
    "delivery_window": {"from_time": "2024-12-26T09:00:00", "to_time": "2024-12-26T11:00:00"},
    "flower_sum": 25000,
    "delivery_fee": 2000,
    "comment": "Позвонить Айгуль заранее",
}


@pytest.fixture(scope="module", autouse=True)
def web_catalogs() -> None:
    """Compile the `web` catalogues when they are missing or older (as `make locales`)."""
    for language in LANGUAGES:
        po = LOCALES_DIR / language / "LC_MESSAGES" / "web.po"
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source, locale=language)
            # Written aside and moved into place: parallel sessions never read half a file.
            aside = mo.with_suffix(f".{os.getpid()}.part")
            with aside.open("wb") as target:
                write_mo(target, catalog)
            os.replace(aside, mo)
    translations.cache_clear()


async def placed(
    api: TestClient, runtime: Runtime, *, language: str = "ru", **changes: Any
) -> tuple[Shop, dict[str, str], dict[str, Any]]:
    shop, _, headers = await owner_headers(runtime)
    response = await api.post("/api/orders/", json={**ORDER, **changes}, headers=headers)
    assert response.status == 201, await response.text()
    order = await response.json()
    await Order.filter(id=order["id"]).update(language=language)
    return shop, headers, order


async def move(api: TestClient, headers: dict[str, str], order_id: int, *steps: str) -> None:
    for step in steps:
        response = await api.patch(
            f"/api/orders/{order_id}/status", json={"status": step}, headers=headers
        )
        assert response.status == 200, await response.text()


def assert_no_personal_data(text: str) -> None:
    for secret in PERSONAL:
        assert secret not in text, secret


# --- address masking --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "shown"),
    [
        ("г. Алматы, пр. Достык 89", "г. Алматы, пр. ***** д. 89"),
        ("г. Алматы, пр. Достык 89, кв. 45", "г. Алматы, пр. ***** д. 89"),
        ("пр. Достык 89", "пр. ***** д. 89"),
        ("ул. Абая, д. 10, кв 5", "ул. ***** д. 10"),
        ("Алматы, ул. Сатпаева 22/1, офис 3", "Алматы, ул. ***** д. 22/1"),
        ("ул. 8 Марта 12", "ул. ***** д. 12"),
        ("мкр. Самал-2, 58", "мкр. ***** д. 58"),
        ("ул. Абая д. 10А кв. 5", "ул. ***** д. 10А"),
        ("г. Алматы", "г. Алматы, *****"),
        ("Абая", "*****"),
        ("", ""),
    ],
)
def test_the_street_is_masked_and_the_house_kept(address: str, shown: str) -> None:
    assert mask_address(address) == shown


# --- JSON ----------------------------------------------------------------------------------


async def test_tracking_answers_the_documented_shape_without_personal_data(
    api: TestClient, runtime: Runtime
) -> None:
    shop, headers, order = await placed(api, runtime)
    await move(api, headers, order["id"], "paid", "assembled", "delivery")
    await OrderPhoto.create(order_id=order["id"], kind=PhotoKind.ASSEMBLED, url="/photos/a.jpg")
    await OrderPhoto.create(order_id=order["id"], kind=PhotoKind.DELIVERED, url=None)
    response = await api.get(f"/api/tracking/{order['tracking_token']}")
    assert response.status == 200
    text = await response.text()
    body = await response.json()
    assert set(body) == {
        "status",
        "updated_at",
        "delivery_method",
        "delivery_window",
        "address",
        "photos",
        "tracking_token",
    }
    assert body["status"] == "delivery"
    assert body["delivery_method"] == "delivery"
    assert body["delivery_window"] == {"from": "2024-12-26T09:00:00", "to": "2024-12-26T11:00:00"}
    assert body["address"] == "г. Алматы, пр. ***** д. 89"
    assert body["photos"] == ["/photos/a.jpg"]
    assert body["tracking_token"] == order["tracking_token"]
    updated = datetime.fromisoformat(body["updated_at"])
    assert updated.tzinfo is None and len(body["updated_at"]) == 19
    assert_no_personal_data(text)
    assert "Позвонить" not in text


async def test_a_pickup_order_shows_the_shops_address(api: TestClient, runtime: Runtime) -> None:
    shop, headers, order = await placed(api, runtime, delivery_method="self_pickup")
    await Shop.filter(id=shop.id).update(address="г. Алматы, ул. Жибек Жолы 50")
    body = await (await api.get(f"/api/tracking/{order['tracking_token']}")).json()
    assert body["delivery_method"] == "self_pickup"
    assert body["address"] == "г. Алматы, ул. Жибек Жолы 50"


@pytest.mark.parametrize("token", ["unknown-token", "x" * 65, "%20"])
async def test_an_unknown_token_is_404(api: TestClient, runtime: Runtime, token: str) -> None:
    await placed(api, runtime)
    response = await api.get(f"/api/tracking/{token}")
    assert response.status == 404
    assert await response.json() == {"detail": "Order not found"}


# --- the page ------------------------------------------------------------------------------


async def page(api: TestClient, path: str, **headers: str) -> tuple[int, str, Any]:
    response = await api.get(path, headers=headers)
    return response.status, await response.text(), response.headers


async def test_the_page_shows_the_timeline_window_address_and_photos(
    api: TestClient, runtime: Runtime
) -> None:
    shop, headers, order = await placed(api, runtime)
    await move(api, headers, order["id"], "paid", "assembled", "delivery")
    await OrderPhoto.create(order_id=order["id"], kind=PhotoKind.DELIVERED, url="/photos/b.jpg")
    status, html, response_headers = await page(api, f"/tracking/{order['tracking_token']}")
    assert status == 200
    assert response_headers["Content-Type"].startswith("text/html")
    assert response_headers["Content-Language"] == "ru"
    assert '<html lang="ru">' in html
    assert "Заказ № 1" in html and shop.name in html
    assert "Курьер в пути" in html
    assert "26 декабря, 14:00–16:00" in html
    assert "г. Алматы, пр. ***** д. 89" in html
    assert '<img src="/photos/b.jpg"' in html
    done = [
        s
        for s in ("new", "paid", "assembled", "in_delivery")
        if f'class="done" data-status="{s}"' in html
    ]
    assert done == ["new", "paid", "assembled"]
    assert 'class="current" data-status="in_delivery"' in html
    assert 'class="upcoming" data-status="delivered"' in html
    assert 'class="upcoming" data-status="completed"' in html
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert_no_personal_data(html)


@pytest.mark.parametrize(
    ("query", "accept", "order_language", "expected", "phrase"),
    [
        ("", "", "ru", "ru", "Заказ оформлен"),
        ("?lang=kk", "en-US,en;q=0.9", "ru", "kk", "Тапсырыс рәсімделді"),
        ("", "uz-UZ,uz;q=0.9,ru;q=0.5", "ru", "uz", "Buyurtma qabul qilindi"),
        ("", "de-DE;q=0.9, kk;q=0.95, en;q=0.1", "ru", "kk", "Тапсырыс рәсімделді"),
        ("", "", "en", "en", "Order placed"),
        ("?lang=fr", "fr-FR", "uz", "uz", "Buyurtma qabul qilindi"),
        ("?lang=en", "", "kk", "en", "Order placed"),
    ],
)
async def test_the_page_speaks_the_customers_language(
    api: TestClient,
    runtime: Runtime,
    query: str,
    accept: str,
    order_language: str,
    expected: str,
    phrase: str,
) -> None:
    _, _, order = await placed(api, runtime, language=order_language)
    extra = {"Accept-Language": accept} if accept else {}
    status, html, headers = await page(api, f"/tracking/{order['tracking_token']}{query}", **extra)
    assert status == 200
    assert f'<html lang="{expected}">' in html
    assert headers["Content-Language"] == expected
    assert phrase in html


async def test_issue_and_cancellation_are_explained(api: TestClient, runtime: Runtime) -> None:
    shop, headers, order = await placed(api, runtime, language="en")
    await move(api, headers, order["id"], "paid")
    await api.patch(
        f"/api/orders/{order['id']}/issue", json={"issue_type": "delivery_delay"}, headers=headers
    )
    _, html, _ = await page(api, f"/tracking/{order['tracking_token']}")
    assert "We are sorting out a problem" in html
    assert "will contact you" in html
    await change_status(shop_id=shop.id, order_id=order["id"], to=OrderStatus.CANCELLED)
    _, html, _ = await page(api, f"/tracking/{order['tracking_token']}")
    assert "This order has been cancelled." in html
    assert 'class="upcoming"' not in html


async def test_an_unknown_token_is_a_404_page_in_the_browsers_language(
    api: TestClient, runtime: Runtime
) -> None:
    status, html, headers = await page(api, "/tracking/no-such-order", **{"Accept-Language": "kk"})
    assert status == 404
    assert headers["Content-Type"].startswith("text/html")
    assert "Тапсырыс табылмады" in html


async def test_a_window_not_set_yet_says_so(api: TestClient, runtime: Runtime) -> None:
    _, _, order = await placed(api, runtime, delivery_window=None, language="en")
    _, html, _ = await page(api, f"/tracking/{order['tracking_token']}")
    assert "Not set yet" in html


# --- headless Chromium ---------------------------------------------------------------------


def _png(color: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.chromium
@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
async def test_the_page_renders_on_a_phone_in_headless_chromium(
    api: TestClient, runtime: Runtime, tmp_path: Path
) -> None:
    if not HAVE_CHROMIUM:
        message = "headless Chromium is not installed at /usr/bin/chromium (make chromium)"
        if REQUIRE_SERVICES:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.async_api import async_playwright

    shop, headers, order = await placed(api, runtime)
    await move(api, headers, order["id"], "paid", "assembled", "delivery", "delivered")
    await add_order_photo(
        shop_id=shop.id,
        order_id=order["id"],
        kind=PhotoKind.DELIVERED,
        data=_png((214, 51, 108)),
        data_dir=runtime.settings.data_dir,
    )
    url = str(api.make_url(f"/tracking/{order['tracking_token']}"))
    screenshot = tmp_path / "tracking.png"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            context = await browser.new_context(
                viewport={"width": 390, "height": 844}, locale="kk-KZ", device_scale_factor=1
            )
            tab = await context.new_page()
            response = await tab.goto(url)
            assert response is not None and response.status == 200
            text = await tab.inner_text("body")
            scroll_width = await tab.evaluate("document.documentElement.scrollWidth")
            image_width = await tab.evaluate(
                "() => { const i = document.querySelector('.photos img');"
                " return i && i.complete ? i.naturalWidth : 0 }"
            )
            await tab.screenshot(path=str(screenshot), full_page=True)
        finally:
            await browser.close()
    assert "Жеткізілді" in text  # delivered, in Kazakh (the browser's language)
    assert "26 желтоқсан, 14:00–16:00" in text
    assert "г. Алматы, пр. ***** д. 89" in text
    assert_no_personal_data(text)
    assert scroll_width <= 390, "the page must fit a phone screen without sideways scrolling"
    assert image_width == 320, "the delivery photo is served and shown"
    assert screenshot.stat().st_size > 5_000
    with Image.open(screenshot) as shot:
        assert shot.width == 390 and shot.height >= 844
        colors = shot.convert("RGB").getcolors(maxcolors=1_000_000) or []
        assert len(colors) > 50, "the screenshot is not a blank page"
        assert any(
            abs(r - 214) < 8 and abs(g - 51) < 8 and abs(b - 108) < 8 for _, (r, g, b) in colors
        )


# --- what the page adds to the document's JSON ---------------------------------------------


async def test_the_page_lists_items_total_photos_by_kind_and_how_to_reach_the_shop(
    api: TestClient, runtime: Runtime
) -> None:
    from core.kv import BOT_USERNAME_KEY

    shop, headers, order = await placed(api, runtime)
    await Shop.filter(id=shop.id).update(phone="+77270000000")
    await runtime.kv.set(BOT_USERNAME_KEY, "guldershop_bot")
    await OrderPhoto.create(order_id=order["id"], kind=PhotoKind.ASSEMBLED, url="/photos/a.jpg")
    await OrderPhoto.create(order_id=order["id"], kind=PhotoKind.DELIVERED, url="/photos/d.jpg")
    await OrderItem.create(
        order_id=order["id"], product_name="Розы 25 шт", quantity=2, price=12500, total=25000
    )
    status, html, _ = await page(api, f"/tracking/{order['tracking_token']}")
    assert status == 200
    assert "Розы 25 шт × 2" in html and "25\xa0000 ₸" in html
    assert "Итого" in html and "27\xa0000 ₸" in html
    assert "Ваш букет готов" in html and "Доставлен" in html
    assert 'href="tel:+77270000000"' in html
    assert f'href="https://t.me/guldershop_bot?start=shop_{shop.slug}"' in html
    assert_no_personal_data(html)


async def test_a_pickup_timeline_has_no_delivery_step(api: TestClient, runtime: Runtime) -> None:
    shop, headers, order = await placed(api, runtime, delivery_method="self_pickup")
    await Shop.filter(id=shop.id).update(address="г. Алматы, ул. Жибек Жолы 50")
    _, html, _ = await page(api, f"/tracking/{order['tracking_token']}?lang=en")
    assert 'data-status="awaiting_pickup"' in html
    assert 'data-status="in_delivery"' not in html
    assert "Picked up" in html and ">Delivered<" not in html
    assert "Pickup address" in html and "Жибек Жолы 50" in html


async def test_the_page_answers_304_while_nothing_changed_and_shows_a_change_at_once(
    api: TestClient, runtime: Runtime
) -> None:
    _, headers, order = await placed(api, runtime)
    path = f"/tracking/{order['tracking_token']}"
    first = await api.get(path)
    etag = first.headers["ETag"]
    assert "max-age" in first.headers["Cache-Control"]
    again = await api.get(path, headers={"If-None-Match": etag})
    assert again.status == 304
    await move(api, headers, order["id"], "paid")
    changed = await api.get(path, headers={"If-None-Match": etag})
    assert changed.status == 200 and changed.headers["ETag"] != etag
    assert 'class="current" data-status="paid"' in await changed.text()
    body = await (await api.get(f"/api/tracking/{order['tracking_token']}")).json()
    assert body["status"] == "paid"
