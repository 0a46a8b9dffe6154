"""Shop contract: public tracking, no authentication.

`GET /api/tracking/{token}` answers the document's JSON: status (shop word), when it
last changed, delivery method and window (UTC, like every time of this contract), the
address with the street masked (core.tracking), the photo URLs, and the token. Nothing
names or reaches a person. An unknown token is a 404.

`GET /tracking/{token}` (on the port's root, the link the bot sends) is the same order
as a small mobile-first page in the customer's language: `?lang=` (ru, kk, uz, en), else
the browser's Accept-Language, else the language the order was placed in. Times there
are in the shop's time zone.

Both are read from the cached view (core.tracking.cached_tracking) and carry an `ETag`:
a client that sends it back in `If-None-Match` gets a 304 while nothing changed. The
page may be cached for a few seconds (`Cache-Control: public, max-age=5`).
"""

from __future__ import annotations

import hashlib

from aiohttp import web
from pydantic import BaseModel, Field

from api.keys import RUNTIME
from api.shop import contract
from api.shop.pages.tracking import choose_language, render_not_found, render_tracking_page
from api.shop.schemas_orders import (
    DeliveryWindowOut,
    ShopDeliveryMethod,
    delivery_method_word,
    window_out,
)
from core.dialects.shop import ShopOrderStatus, format_datetime, order_status_word
from core.errors import NotFound
from core.kv import BOT_USERNAME_KEY
from core.tracking import cached_tracking

PAGE_MAX_AGE = 5


class TrackingOut(BaseModel):
    status: ShopOrderStatus
    updated_at: str
    delivery_method: ShopDeliveryMethod
    delivery_window: DeliveryWindowOut
    address: str
    photos: list[str] = Field(description="URLs of photos of the bouquet")
    tracking_token: str


@contract.get(
    "/tracking/{tracking_token}",
    response=TrackingOut,
    tags=("tracking",),
    responses={404: "Unknown tracking token"},
)
async def get_tracking_info(request: web.Request, *, tracking_token: str) -> TrackingOut:
    """Get tracking info (public: masked address, no personal data)."""
    view = await cached_tracking(kv=request.config_dict[RUNTIME].kv, token=tracking_token)
    return TrackingOut(
        status=order_status_word(view.status),  # type: ignore[arg-type]
        updated_at=format_datetime(view.updated_at) or "",
        delivery_method=delivery_method_word(view.delivery_method),
        delivery_window=window_out(view.delivery_from, view.delivery_to),
        address=view.address,
        photos=view.photos,
        tracking_token=view.token,
    )


@contract.get("/tracking/{tracking_token}", root=True, include_in_schema=False)
async def tracking_page(request: web.Request, *, tracking_token: str) -> web.Response:
    """The tracking page (HTML) the customer opens from the bot's link."""
    asked = request.query.get("lang")
    accept = request.headers.get("Accept-Language")
    kv = request.config_dict[RUNTIME].kv
    try:
        view = await cached_tracking(kv=kv, token=tracking_token)
    except NotFound:
        language = choose_language(asked, accept, None)
        return _html(render_not_found(language), status=404, language=language)
    language = choose_language(asked, accept, view.language)
    bot = await kv.get(BOT_USERNAME_KEY)
    write_to = f"https://t.me/{bot}?start=shop_{view.shop_slug}" if bot else None
    page = render_tracking_page(view, language, write_to=write_to)
    etag = '"' + hashlib.sha256(page.encode()).hexdigest()[:32] + '"'
    if etag in request.headers.get("If-None-Match", ""):
        response = web.Response(status=304)
        response.headers["ETag"] = etag
        response.headers["Cache-Control"] = f"public, max-age={PAGE_MAX_AGE}"
        response.headers["Vary"] = "Accept-Language"
        return response
    response = _html(page, status=200, language=language)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = f"public, max-age={PAGE_MAX_AGE}"
    return response


def _html(text: str, *, status: int, language: str) -> web.Response:
    response = web.Response(text=text, status=status, content_type="text/html", charset="utf-8")
    response.headers["Content-Language"] = language
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    response.headers["Vary"] = "Accept-Language"
    return response
