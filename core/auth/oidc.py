"""OpenID Connect access tokens of a firm's own sign-in (the consult contract accepts
them next to API keys and our JWTs, when OIDC_ISSUER, OIDC_JWKS_URL, OIDC_AUDIENCE and
OIDC_SHOP are set).

A token is taken when it is a JWT signed (RS256/ES256/PS256, never `none` nor an HMAC
with a public key) by a key of the issuer's JWKS, its `iss` is OIDC_ISSUER, its `aud`
holds OIDC_AUDIENCE, it has a subject, and `exp`/`nbf`/`iat` hold at the deployment's
clock (60 s leeway). It acts for the shop OIDC_SHOP with the manager role (it may use
the contract, not change the firm's settings). Keys come from PyJWT's JWK client: the
key set is cached, and a token naming an unknown `kid` refreshes it (once per cooldown),
so the issuer can rotate its keys.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt

from core.auth.tokens import Principal
from core.errors import Unauthorized
from core.models import Role, Shop

ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]
LEEWAY_SECONDS = 60
INVALID = "Invalid token"


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    jwks_url: str
    audience: str
    shop: str


class OidcVerifier:
    def __init__(self, config: OidcSettings, *, cooldown_seconds: float = 30.0) -> None:
        self.config = config
        self._keys = jwt.PyJWKClient(
            config.jwks_url,
            cache_keys=True,
            lifespan=3600,
            timeout=10,
            cooldown_duration=cooldown_seconds,
        )
        self._shop_id: int | None = None

    def looks_like_ours(self, token: str) -> bool:
        """True for a JWT its unverified claims say comes from the issuer (other tokens
        are left to the house's own checks)."""
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return False
        return isinstance(claims, dict) and claims.get("iss") == self.config.issuer

    async def principal(self, token: str, *, now: datetime) -> Principal:
        """The firm's principal for a valid token; Unauthorized otherwise."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthorized(INVALID) from None
        if header.get("alg") not in ALGORITHMS:
            raise Unauthorized(INVALID)
        try:
            key = await asyncio.to_thread(self._keys.get_signing_key_from_jwt, token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=ALGORITHMS,
                audience=self.config.audience,
                issuer=self.config.issuer,
                options={
                    "require": ["exp", "iss", "aud", "sub"],
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except (jwt.PyJWTError, jwt.PyJWKClientError):
            raise Unauthorized(INVALID) from None
        moment = now.timestamp()
        if float(claims["exp"]) < moment - LEEWAY_SECONDS:
            raise Unauthorized("Token expired")
        for early in ("nbf", "iat"):
            if early in claims and float(claims[early]) > moment + LEEWAY_SECONDS:
                raise Unauthorized(INVALID)
        return Principal(shop_id=await self._shop(), role=Role.MANAGER)

    async def _shop(self) -> int:
        if self._shop_id is None:
            ref = self.config.shop
            shop = await (
                Shop.get_or_none(id=int(ref)) if ref.isdigit() else Shop.get_or_none(slug=ref)
            )
            if shop is None:
                raise Unauthorized(INVALID)
            self._shop_id = shop.id
        return self._shop_id
