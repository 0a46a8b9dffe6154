"""Shop contract: one-time-code login (`/api/auth/request-otp`, `/api/auth/verify-otp`).

- Phones are Kazakh, `+7XXXXXXXXXX` (any spelling `phonenumbers` reads as one, stored in
  E.164); anything else is a 422 at `["body", "phone"]`.
- Delivery follows the `OTP_DELIVERY` setting: `telegram` sends the code through the bot
  to the chat linked to the phone (400 telling the user to open the bot and share their
  contact when none is linked); `debug` (refused in production) answers with the code.
- Codes live 5 minutes; 3 requests a minute per phone (429 `{"detail": "Rate limit
  exceeded", "retry_after": N}`); 3 wrong codes lock the phone for 15 minutes (429).
- A phone seen for the first time gets its own shop, "Цветочный магазин " and the
  phone's last four digits, with the user as owner. A wrong or expired code is a 401.
"""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from api.keys import RUNTIME
from api.shop import contract
from api.shop.schemas_orders import KzPhone
from core.auth.service import sign_in_by_phone
from core.channels.telegram_out import deliver_login_code
from core.settings import OtpDelivery

NEW_SHOP_NAME = "Цветочный магазин {last_four}"


class OtpRequestIn(BaseModel):
    phone: KzPhone


class OtpRequestOut(BaseModel):
    message: str
    delivery_method: Literal["telegram", "debug"]
    otp_code: str | None = Field(default=None, description="Only with the `debug` delivery")


class OtpVerifyIn(BaseModel):
    phone: KzPhone
    otp_code: str = Field(pattern=r"^\d{6}$", description="The six digits sent")


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    shop_id: int
    shop_name: str


@contract.post(
    "/auth/request-otp",
    response=OtpRequestOut,
    tags=("auth",),
    exclude_none=True,
    responses={400: "No Telegram chat is linked to this phone", 429: "Too many requests"},
)
async def request_otp(request: web.Request, *, body: OtpRequestIn) -> OtpRequestOut:
    """Request a one-time login code."""
    runtime = request.config_dict[RUNTIME]
    code = await runtime.otp.request_code(body.phone)
    if runtime.settings.effective_otp_delivery is OtpDelivery.DEBUG:
        return OtpRequestOut(
            message="OTP generated (debug delivery, development only)",
            delivery_method="debug",
            otp_code=code,
        )
    await deliver_login_code(phone=body.phone, code=code)
    return OtpRequestOut(message="OTP sent to your Telegram", delivery_method="telegram")


@contract.post(
    "/auth/verify-otp",
    response=TokenOut,
    tags=("auth",),
    responses={401: "Wrong or expired code", 429: "Locked after 3 wrong codes"},
)
async def verify_otp(request: web.Request, *, body: OtpVerifyIn) -> TokenOut:
    """Exchange the code for an access token (a first login creates the user's shop)."""
    runtime = request.config_dict[RUNTIME]
    await runtime.otp.verify_code(body.phone, body.otp_code)
    signed = await sign_in_by_phone(
        phone=body.phone,
        issuer=runtime.issuer,
        new_shop_name=NEW_SHOP_NAME.format(last_four=body.phone[-4:]),
    )
    return TokenOut(
        access_token=signed.access_token, shop_id=signed.shop.id, shop_name=signed.shop.name
    )
