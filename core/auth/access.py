"""Tokens follow the truth: every request's token is checked against the database.

A correctly signed access token only says who someone *was*. Each request checks, for
the token's user: not logged out (its `jti` is not on the revocation list), the user
exists and is active, and (for a shop-scoped token) is still a member of the token's
shop. The role is the one the shop gives the user now, never the token's claim.

Decisions (all contracts):

- A token whose user is gone or inactive, whose user is no longer a member of the shop
  it names, or that was logged out answers 401 ("Authentication token is no longer
  valid"): the token's claims are false, and the request named no shop of its own that
  could be "not found". A user-level token (no shop) on an endpoint that needs a shop is
  a 401 too.
- `member_role` (user-level tokens: the handler asks for the shop its path names)
  raises NotFound for a shop the user is not a member of: another shop's id is a 404.
- A person may hold several roles in a shop; the principal's role is the strongest
  (owner > admin > manager > florist > courier > cashier). Services that check a move
  against every role held read them with `core.shops.member_roles`.

The cache. The facts about one user (active, shop -> roles) are kept in the key-value
store under `auth:user:{id}` for `AUTH_CACHE_SECONDS` (default 30 with Redis; 0, i.e. no
cache, with the in-process store, which the `sauda` command in another process could not
invalidate). Every change of those facts calls `forget_user(user_id=...)` after writing:
`core.shops` (add_member, remove_member, set_member_role, set_user_active) does it
itself, and so does deleting a User or Membership row (a model's `delete()`: the
post_delete signals below); code that writes Membership or User.is_active rows any
other way (bulk updates or deletes) must call it. The `sauda` command works on the
deployment's store (sauda.cli), so its changes reach the servers' cache. Forgetting writes a short-lived marker instead of just deleting, so a request
that read the database just before the change (or before the changing transaction
committed) cannot put the old facts back: while the marker lives, readers go to the
database and do not cache.

Logout: `revoke_access_token(jti=..., expires_at=...)` puts the jti on the revocation
list (`auth:revoked:{jti}`) for the token's remaining lifetime.

The store is the process's (set by the composition root, `configure`); when the store
is down every check raises (mapped to 503 by core.dependencies): a limit or a
revocation is never skipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.signals import post_delete

from core.auth.tokens import Account, Principal, decode_claims
from core.errors import NotFound, Unauthorized
from core.models import Membership, Role, User

STALE = "stale"
STALE_SECONDS = 10
ROLE_STRENGTH = list(Role)  # owner first
NO_LONGER_VALID = "Authentication token is no longer valid"


@dataclass
class _Store:
    kv: Any
    cache_seconds: int


_store: _Store | None = None


def configure(*, kv: Any, cache_seconds: int) -> None:
    """Use `kv` for the cache and the revocation list (the composition root calls this)."""
    global _store
    _store = _Store(kv=kv, cache_seconds=max(0, cache_seconds))


def reset() -> None:
    """Forget the configured store (tests; a process that closes its store)."""
    global _store
    _store = None


def _configured() -> _Store:
    global _store
    if _store is None:
        from core.kv import create_kv

        # Unconfigured (a script, a core test): a private store, no cache.
        _store = _Store(kv=create_kv(""), cache_seconds=0)
    return _store


def strongest(roles: set[Role] | list[Role]) -> Role:
    return min((Role(r) for r in roles), key=ROLE_STRENGTH.index)


@dataclass(frozen=True)
class UserFacts:
    active: bool
    shops: dict[int, list[Role]]

    def roles_in(self, shop_id: int) -> list[Role]:
        return self.shops.get(shop_id, []) if self.active else []

    def dumps(self) -> str:
        return json.dumps(
            {
                "active": self.active,
                "shops": {str(k): [r.value for r in v] for k, v in self.shops.items()},
            }
        )

    @classmethod
    def loads(cls, raw: str) -> UserFacts:
        data = json.loads(raw)
        return cls(
            active=bool(data["active"]),
            shops={int(k): [Role(r) for r in v] for k, v in data["shops"].items()},
        )


def _user_key(user_id: int) -> str:
    return f"auth:user:{user_id}"


def _revoked_key(jti: str) -> str:
    return f"auth:revoked:{jti}"


async def _load_facts(user_id: int) -> UserFacts:
    """One statement: the active user joined to their memberships (none: one row of NULLs)."""
    rows = await User.filter(id=user_id, is_active=True).values_list(
        "memberships__shop_id", "memberships__role"
    )
    if not rows:
        return UserFacts(active=False, shops={})
    shops: dict[int, list[Role]] = {}
    for shop_id, role in rows:
        if shop_id is not None:
            shops.setdefault(int(shop_id), []).append(Role(role))
    return UserFacts(active=True, shops=shops)


async def _facts(user_id: int, *, jti: str | None = None) -> UserFacts:
    """The user's facts (cached); Unauthorized when `jti` was revoked."""
    store = _configured()
    keys = [_user_key(user_id)] + ([_revoked_key(jti)] if jti is not None else [])
    values = await store.kv.mget(keys)
    if jti is not None and values[1] is not None:
        raise Unauthorized(NO_LONGER_VALID)
    cached = values[0]
    if cached is not None and cached != STALE:
        return UserFacts.loads(cached)
    facts = await _load_facts(user_id)
    if cached is None and store.cache_seconds > 0:
        # nx: a marker written by forget_user meanwhile wins over what we read before it.
        await store.kv.set(_user_key(user_id), facts.dumps(), ex=store.cache_seconds, nx=True)
    return facts


async def user_facts(*, user_id: int) -> UserFacts:
    """Whether the user is active and their roles by shop, now (cached)."""
    return await _facts(user_id)


async def forget_user(*, user_id: int) -> None:
    """Drop what is cached about the user: the next request reads the database."""
    await _configured().kv.set(_user_key(user_id), STALE, ex=STALE_SECONDS)


async def revoke_access_token(*, jti: str, expires_at: datetime, now: datetime) -> None:
    """Log an access token out: refused from now until it would have expired anyway."""
    remaining = int((expires_at - now).total_seconds())
    if remaining > 0:
        await _configured().kv.set(_revoked_key(jti), "1", ex=remaining + 1)


async def is_revoked(*, jti: str) -> bool:
    return bool(await _configured().kv.exists(_revoked_key(jti)))


async def principal_for_token(token: str, *, secret: str, now: datetime) -> Principal:
    """The principal of a shop-scoped access token, checked against the shop's members
    now; Unauthorized for a bad, expired, logged-out or no longer true token."""
    claims = decode_claims(token, secret=secret, now=now)
    if claims.shop_id is None:
        raise Unauthorized("This token is not for a shop")
    facts = await _facts(claims.user_id, jti=claims.jti)
    roles = facts.roles_in(claims.shop_id)
    if not roles:
        raise Unauthorized(NO_LONGER_VALID)
    return Principal(
        shop_id=claims.shop_id,
        role=strongest(roles),
        user_id=claims.user_id,
        jti=claims.jti,
        expires_at=claims.expires_at,
    )


async def account_for_token(token: str, *, secret: str, now: datetime) -> Account:
    """The signed-in user of any access token (user-level or shop-scoped); Unauthorized
    for a bad, expired or logged-out token or a user who is gone or inactive."""
    claims = decode_claims(token, secret=secret, now=now)
    facts = await _facts(claims.user_id, jti=claims.jti)
    if not facts.active:
        raise Unauthorized(NO_LONGER_VALID)
    return Account(user_id=claims.user_id, jti=claims.jti, expires_at=claims.expires_at)


async def member_role(*, user_id: int, shop_id: int, what: str = "Shop") -> Role:
    """The user's (strongest) role in the shop now; NotFound(`what`) when the user is
    not a member of it (or is inactive)."""
    roles = (await _facts(user_id)).roles_in(shop_id)
    if not roles:
        raise NotFound(what)
    return strongest(roles)


async def member_shop_ids(*, user_id: int) -> list[int]:
    """The shops the user is a member of now (cached like member_role), by id."""
    facts = await _facts(user_id)
    return sorted(facts.shops) if facts.active else []


@post_delete(User)
async def _user_deleted(sender: Any, instance: User, using_db: Any) -> None:
    await forget_user(user_id=instance.id)


@post_delete(Membership)
async def _membership_deleted(sender: Any, instance: Membership, using_db: Any) -> None:
    await forget_user(user_id=instance.user_id)
