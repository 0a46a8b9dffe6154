"""A fake OpenID Connect issuer on loopback: it publishes its JWKS over real HTTP and
signs access tokens with its RSA keys.

    issuer = await FakeIssuer().start()
    issuer.issuer, issuer.jwks_url
    token = issuer.token(sub="user-1", aud="consult-api")     # signed with the newest key
    issuer.rotate()            # a new key (new kid) is published and signs from now on
    issuer.fetches             # how many times the JWKS was downloaded
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.fakes.loopback import LoopbackServer


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeIssuer(LoopbackServer):
    def __init__(self) -> None:
        super().__init__()
        self._kids = itertools.count(1)
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.fetches = 0
        self.rotate()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/.well-known/jwks.json", self._jwks)
        return app

    @property
    def issuer(self) -> str:
        return self.base_url + "/"

    @property
    def jwks_url(self) -> str:
        return self.base_url + "/.well-known/jwks.json"

    def rotate(self) -> str:
        kid = f"key-{next(self._kids)}"
        self.keys[kid] = new_key()
        self.kid = kid
        return kid

    async def _jwks(self, request: web.Request) -> web.Response:
        self.fetches += 1
        keys = []
        for kid, private in self.keys.items():
            jwk: dict[str, Any] = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        return web.json_response({"keys": keys})

    def token(
        self,
        *,
        sub: str = "site-user-1",
        aud: str | list[str] = "consult-api",
        iss: str | None = None,
        expires_in: int = 300,
        now: float | None = None,
        kid: str | None = None,
        key: rsa.RSAPrivateKey | None = None,
        **claims: Any,
    ) -> str:
        moment = int(now if now is not None else time.time())
        payload = {
            "iss": iss if iss is not None else self.issuer,
            "sub": sub,
            "aud": aud,
            "iat": moment,
            "exp": moment + expires_in,
            **claims,
        }
        kid = kid or self.kid
        return jwt.encode(payload, key or self.keys[kid], algorithm="RS256", headers={"kid": kid})
