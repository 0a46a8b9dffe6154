"""Commerce AI assistant endpoints in the document's shapes; 60 calls a minute per user.

The assistant is the runtime's (core.assistant.service): Gemini when GEMINI_API_KEY is
set, the offline assistant otherwise or when the model fails. `query` is a staff
member's question, answered from every order of the project; `generate-reply` drafts
an answer to a customer, so its tools see only that order's customer's orders (no
order: no customer's). `usage` counts every recorded call of the period.
"""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from api.commerce import contract
from api.commerce.common import now_of, project, runtime_of
from core.assistant import usage as ai_usage
from core.assistant.service import cost
from core.assistant.tools import Scope
from core.auth.tokens import Account
from core.commerce.orders import order_of
from core.models import Order, Shop

AI_LIMIT = "commerce_ai_per_minute"


class QueryIn(BaseModel):
    project_id: uuid.UUID
    message: str = Field(min_length=1, max_length=4000)
    use_function_calling: bool = True
    context: dict[str, Any] = Field(default_factory=dict)
    order_id: uuid.UUID | None = None


class FunctionCall(BaseModel):
    name: str
    parameters: dict[str, Any]


class QueryOut(BaseModel):
    reply: str
    function_calls: list[FunctionCall]
    tokens_used: int
    cost: float
    model: str


class ReplyQuery(BaseModel):
    project_id: uuid.UUID
    order_id: uuid.UUID | None = None
    customer_message: str = Field(min_length=1, max_length=4000)


class ReplyOut(BaseModel):
    reply: str
    tokens_used: int
    cost: float
    model: str


class SentimentQuery(BaseModel):
    project_id: uuid.UUID
    message: str = Field(min_length=1, max_length=4000)


class SentimentOut(BaseModel):
    sentiment: str
    urgency: str
    concerns: list[str]
    recommended_tone: str


class UsageQuery(BaseModel):
    days: int = Field(30, ge=1, le=3660)


class UsageOut(BaseModel):
    period_days: int
    total_api_calls: int
    total_tokens_used: int
    total_cost_usd: float
    average_cost_per_call: float


async def _order(shop: Shop, order_id: uuid.UUID | None) -> Order | None:
    return await order_of(shop=shop, order_id=order_id) if order_id is not None else None


@contract.post(
    "/assistant/query",
    response=QueryOut,
    tags=("assistant",),
    per_minute=AI_LIMIT,
    rules=("No text in context (a key or a value, at any depth) holds a NUL character.",),
)
async def query(request: web.Request, *, account: Account, body: QueryIn) -> QueryOut:
    """Ask the assistant about the project (orders by number)."""
    shop = await project(account, body.project_id)
    answer = await runtime_of(request).assistant.reply(
        scope=Scope.staff(shop),
        message=body.message,
        order=await _order(shop, body.order_id),
        feature="query",
    )
    calls = answer.function_calls if body.use_function_calling else []
    return QueryOut(
        reply=answer.reply,
        function_calls=[FunctionCall(**c) for c in calls],
        tokens_used=answer.tokens_used,
        cost=cost(answer),
        model=answer.model,
    )


@contract.post(
    "/assistant/generate-reply", response=ReplyOut, tags=("assistant",), per_minute=AI_LIMIT
)
async def generate_reply(request: web.Request, *, account: Account, query: ReplyQuery) -> ReplyOut:
    """A draft reply to a customer's message."""
    shop = await project(account, query.project_id)
    order = await _order(shop, query.order_id)
    answer = await runtime_of(request).assistant.reply(
        scope=Scope.customer(shop, order.customer_id if order is not None else None),
        message=query.customer_message,
        order=order,
        feature="reply",
    )
    return ReplyOut(
        reply=answer.reply, tokens_used=answer.tokens_used, cost=cost(answer), model=answer.model
    )


@contract.post(
    "/assistant/analyze-sentiment",
    response=SentimentOut,
    tags=("assistant",),
    per_minute=AI_LIMIT,
)
async def analyze_sentiment(
    request: web.Request, *, account: Account, query: SentimentQuery
) -> SentimentOut:
    """Sentiment, urgency and concerns of a customer's message."""
    shop = await project(account, query.project_id)
    found = await runtime_of(request).assistant.sentiment(
        scope=Scope.staff(shop), message=query.message
    )
    return SentimentOut(
        sentiment=found.sentiment,
        urgency=found.urgency,
        concerns=found.concerns,
        recommended_tone=found.recommended_tone,
    )


@contract.get(
    "/assistant/usage/{project_id}", response=UsageOut, tags=("assistant",), per_minute=AI_LIMIT
)
async def usage(
    request: web.Request, *, account: Account, project_id: uuid.UUID, query: UsageQuery
) -> UsageOut:
    """Assistant calls, tokens and cost of the period (the offline assistant costs nothing)."""
    shop = await project(account, project_id)
    figures = await ai_usage.figures(shop_id=shop.id, days=query.days, now=now_of(request))
    return UsageOut(
        period_days=query.days,
        total_api_calls=figures.calls,
        total_tokens_used=figures.tokens,
        total_cost_usd=float(figures.cost_usd),
        average_cost_per_call=float(figures.average_cost),
    )
