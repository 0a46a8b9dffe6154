"""Idempotency keys for creates: a retried request gets the first answer, never a second
create.

A client sends `Idempotency-Key: <1-255 visible ASCII characters>` with a create. Keys
are kept per shop (the caller's shop: only authenticated endpoints take one) for
`KEEP` (24 h) with the request's fingerprint (SHA-256 of the method, the path with its
query, and the body; a JSON body is compared by its content, not its spacing or key
order) and the first answer (status, body, headers).

`run_once` outcomes:

- no key: the create runs in one transaction, its answer built inside it;
- a new key: the record is inserted first, in the SAME transaction as the create, and
  completed with the answer before the commit. The record exists exactly when the create
  was committed, so "committed, then answered 500" cannot happen, and a client that got
  no answer can retry with its key safely;
- the key again, same request: the stored answer (`replayed=True`), nothing runs;
- the key again, another request: a validation error on the key (`KeyRefused`, type
  `idempotency_key_reused`; the api locates it at `["header", "Idempotency-Key"]`, 422
  in the contracts whose validation status is 422);
- two requests with one key at the same time: the unique (shop, key) constraint lets one
  insert; the other waits for it (PostgreSQL holds it on the index, at most
  `WAIT_SECONDS`; SQLite serialises transactions) and then replays its answer, or, when
  the first failed and rolled back, runs itself. Waiting longer is a 409 Conflict;
- the create raises (a 4xx domain error, a database failure): everything rolls back,
  the key is not kept, and a retry with it runs again. Only answers are stored.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tortoise import Tortoise
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core import jsontext
from core.errors import Conflict, FieldProblem, ValidationFailed
from core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEEP = timedelta(hours=24)
MAX_KEY_LENGTH = 255
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
WAIT_SECONDS = 10
_KEY = re.compile(KEY_PATTERN)
_LOCK_TIMEOUT = "55P03"


class KeyRefused(ValidationFailed):
    """The key itself is refused (malformed, or used for another request); its problem
    is located at `(HEADER,)`: the transport says where the key was sent."""


@dataclass(frozen=True)
class Answer:
    """An answer to keep: HTTP status, body bytes, the headers that belong to it."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def checked_key(value: str) -> str:
    """The key as sent, or a validation error when it is empty, too long or not ASCII."""
    if not _KEY.match(value):
        raise KeyRefused(
            [
                FieldProblem(
                    loc=(HEADER,),
                    msg=f"{HEADER} must be 1-{MAX_KEY_LENGTH} visible ASCII characters",
                    type="idempotency_key_invalid",
                )
            ]
        )
    return value


def fingerprint(method: str, path: str, body: bytes) -> str:
    """SHA-256 of the request: method, path with query, body (JSON by content)."""
    canonical = body
    if body.strip():
        try:
            canonical = json.dumps(
                jsontext.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
            ).encode()
        except (ValueError, RecursionError):
            canonical = body
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), canonical):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _reused() -> KeyRefused:
    return KeyRefused(
        [
            FieldProblem(
                loc=(HEADER,),
                msg=f"This {HEADER} was already used for a different request",
                type="idempotency_key_reused",
            )
        ]
    )


async def _stored(shop_id: int, key: str, print_: str, now: datetime) -> Answer | None:
    record = await IdempotencyRecord.get_or_none(shop_id=shop_id, key=key)
    if record is None:
        return None
    if record.created_at <= now - KEEP:
        await IdempotencyRecord.filter(id=record.id, created_at__lte=now - KEEP).delete()
        return None
    if record.fingerprint != print_:
        raise _reused()
    return Answer(status=record.status, body=record.body.encode(), headers=dict(record.headers))


def _is_postgres() -> bool:
    connection = Tortoise.get_connection("default")
    return "postgres" in type(connection).__module__ or "asyncpg" in type(connection).__module__


def _is_lock_timeout(error: BaseException) -> bool:
    for candidate in (error, error.__cause__, *getattr(error, "args", ())):
        if getattr(candidate, "sqlstate", None) == _LOCK_TIMEOUT:
            return True
    return "lock timeout" in str(error)


async def _reserve(
    connection: object, shop_id: int, key: str, print_: str, now: datetime
) -> IdempotencyRecord:
    postgres = _is_postgres()
    if postgres:
        await connection.execute_script(f"SET LOCAL lock_timeout = '{WAIT_SECONDS}s'")  # type: ignore[attr-defined]
    record = await IdempotencyRecord.create(
        shop_id=shop_id, key=key, fingerprint=print_, created_at=now
    )
    if postgres:
        await connection.execute_script("SET LOCAL lock_timeout = DEFAULT")  # type: ignore[attr-defined]
    return record


async def run_once(
    *,
    shop_id: int,
    key: str | None,
    fingerprint: str,
    now: datetime,
    create: Callable[[], Awaitable[Answer]],
) -> tuple[Answer, bool]:
    """Run `create` once per (shop, key); returns its answer and whether it was replayed."""
    if key is None:
        async with in_transaction():
            return await create(), False
    for _ in range(3):
        stored = await _stored(shop_id, key, fingerprint, now)
        if stored is not None:
            return stored, True
        reserved = False
        try:
            async with in_transaction() as connection:
                record = await _reserve(connection, shop_id, key, fingerprint, now)
                reserved = True
                answer = await create()
                record.status = answer.status
                record.body = answer.body.decode("utf-8", errors="replace")
                record.headers = dict(answer.headers)
                await record.save(update_fields=["status", "body", "headers"])
                return answer, False
        except IntegrityError:
            if reserved:
                raise
            # Another request with this key committed first: replay its answer.
        except Exception as error:
            # asyncpg's LockNotAvailableError (55P03) is not translated by Tortoise.
            if reserved or not _is_lock_timeout(error):
                raise
            break
    raise Conflict(f"A request with this {HEADER} is still being processed; retry later")


async def prune(*, now: datetime, keep: timedelta = KEEP) -> int:
    """Delete records older than `keep`; returns how many."""
    return await IdempotencyRecord.filter(created_at__lte=now - keep).delete()
