"""The consult contract takes access tokens of a firm's own OpenID Connect sign-in
(OIDC_ISSUER/OIDC_JWKS_URL/OIDC_AUDIENCE/OIDC_SHOP), verified against the issuer's JWKS
served by a fake issuer on loopback: keys cached, refreshed when a token names an unknown
`kid`; forged, expired, foreign and unsigned tokens are 401 in the document's shape."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest
from aiohttp.test_utils import TestClient

from core.auth.oidc import OidcVerifier
from core.clock import FrozenClock
from core.models import Consultation
from core.runtime import Runtime
from tests.api.consult.conftest import call
from tests.api.consult.test_integrator import DOCUMENT_CURL
from tests.factories import make_shop
from tests.fakes.oidc import FakeIssuer, new_key

AUDIENCE = "consult-api"


@pytest.fixture
async def issuer() -> AsyncIterator[FakeIssuer]:
    fake = FakeIssuer()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def settings_overrides(issuer: FakeIssuer) -> dict[str, Any]:
    return {
        "oidc_issuer": issuer.issuer,
        "oidc_jwks_url": issuer.jwks_url,
        "oidc_audience": AUDIENCE,
        "oidc_shop": "buh-oidc",
    }


@pytest.fixture
async def firm_id(runtime: Runtime) -> int:
    await make_shop("Другая фирма", slug="other-firm")
    shop = await make_shop("Бухгалтерия", slug="buh-oidc", timezone="Asia/Tashkent")
    assert runtime.oidc is not None
    # No cooldown between JWKS refreshes, so the rotation below needs no real waiting.
    runtime.oidc = OidcVerifier(runtime.oidc.config, cooldown_seconds=0)
    return shop.id


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_token_of_the_firm_s_sign_in_is_taken_and_keys_are_cached_and_rotated(
    consult: TestClient, issuer: FakeIssuer, firm_id: int, clock: FrozenClock
) -> None:
    now = clock.now().timestamp()
    token = issuer.token(aud=[AUDIENCE, "account"], now=now)
    created = await call(
        consult, "POST", "/api/consultations/create", bearer(token), raw=DOCUMENT_CURL
    )
    assert await Consultation.filter(shop_id=firm_id).count() == 1
    cons_id = created["consultation"]["cons_id"]
    ticket = await call(consult, "GET", f"/api/tickets/{cons_id}", bearer(token))
    assert ticket["comment"] == json.loads(DOCUMENT_CURL)["consultation"]["comment"]
    assert issuer.fetches == 1  # the key set is cached

    # The issuer rotates its key: the first token with the new kid refreshes the set.
    issuer.rotate()
    fresh = issuer.token(sub="site-user-2", now=now)
    await call(consult, "GET", f"/api/tickets/{cons_id}", bearer(fresh))
    assert issuer.fetches == 2
    await call(consult, "GET", f"/api/tickets/{cons_id}", bearer(fresh))
    assert issuer.fetches == 2

    # It acts for the firm, not as its administrator.
    refused = await call(consult, "GET", "/api/connections", bearer(fresh), expect=403)
    assert set(refused) == {"detail"}


async def test_forged_expired_foreign_and_unsigned_tokens_are_refused(
    consult: TestClient, issuer: FakeIssuer, firm_id: int, clock: FrozenClock
) -> None:
    now = clock.now().timestamp()
    claims = {"iss": issuer.issuer, "sub": "x", "aud": AUDIENCE, "exp": int(now) + 300}
    refused = {
        "another audience": issuer.token(aud="another-api", now=now),
        "another issuer": issuer.token(iss="https://evil.example/", now=now),
        "expired": issuer.token(now=now - 3600, expires_in=300),
        "not yet valid": issuer.token(now=now + 3600),
        "no subject": jwt.encode(
            {k: v for k, v in claims.items() if k != "sub"},
            issuer.keys[issuer.kid],
            algorithm="RS256",
            headers={"kid": issuer.kid},
        ),
        "the issuer's kid on another key's signature": issuer.token(now=now, key=new_key()),
        "an unknown kid": issuer.token(now=now, kid="key-99", key=new_key()),
        "unsigned": jwt.encode(claims, None, algorithm="none"),
        "HMAC with a guessable secret": jwt.encode(
            claims, "the-public-key-as-secret-0123456789", algorithm="HS256"
        ),
        "not a JWT": "not-a-token",
    }
    for what, token in refused.items():
        answer = await call(
            consult, "POST", "/api/consultations/create", bearer(token), raw=DOCUMENT_CURL,
            expect=401,
        )  # fmt: skip
        assert set(answer) == {"detail"}, what
    assert await Consultation.all().count() == 0
