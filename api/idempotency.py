"""`Idempotency-Key` over HTTP: what `@contract.post(..., idempotent=True)` does.

An idempotent endpoint must be authenticated (keys are kept per shop; a public endpoint
declared idempotent is refused when the contract is built). Its handler and the JSON
rendering of its answer run inside one transaction (core.idempotency.run_once), with
or without a key. A replayed answer is the stored status, body and headers plus
`Idempotent-Replayed: true`; the rate-limit headers are the current request's. See
core.idempotency for every outcome.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from core import idempotency
from core.clock import Clock
from core.errors import FieldProblem, ValidationFailed

# Headers of an answer that belong to the connection or the moment, not to the answer.
_NOT_KEPT = frozenset(
    name.lower() for name in ("Content-Length", "Date", "Server", "Transfer-Encoding", "Connection")
)


def _kept_headers(response: web.Response) -> dict[str, str]:
    return {
        name: value
        for name, value in response.headers.items()
        if name.lower() not in _NOT_KEPT and not name.lower().startswith("x-ratelimit")
    }


async def respond_once(
    request: web.Request,
    *,
    shop_id: int,
    raw: bytes,
    clock: Clock,
    produce: Callable[[], Awaitable[web.StreamResponse]],
) -> web.StreamResponse:
    """Answer a create once per (shop, Idempotency-Key), built inside its transaction."""
    try:
        return await _respond_once(request, shop_id=shop_id, raw=raw, clock=clock, produce=produce)
    except idempotency.KeyRefused as error:
        raise ValidationFailed(
            [FieldProblem(("header", *p.loc), p.msg, p.type) for p in error.problems]
        ) from None


async def _respond_once(
    request: web.Request,
    *,
    shop_id: int,
    raw: bytes,
    clock: Clock,
    produce: Callable[[], Awaitable[web.StreamResponse]],
) -> web.StreamResponse:
    sent = request.headers.get(idempotency.HEADER)
    key = idempotency.checked_key(sent) if sent is not None else None
    responses: list[web.StreamResponse] = []

    async def create() -> idempotency.Answer:
        response = await produce()
        responses.append(response)
        if not isinstance(response, web.Response):
            return idempotency.Answer(status=response.status, body=b"")
        return idempotency.Answer(
            status=response.status,
            body=response.body if isinstance(response.body, bytes) else b"",
            headers=_kept_headers(response),
        )

    answer, replayed = await idempotency.run_once(
        shop_id=shop_id,
        key=key,
        fingerprint=idempotency.fingerprint(request.method, request.path_qs, raw),
        now=clock.now(),
        create=create,
    )
    if not replayed:
        return responses[-1]
    return web.Response(
        status=answer.status,
        body=answer.body,
        headers={**answer.headers, idempotency.REPLAYED_HEADER: "true"},
    )
