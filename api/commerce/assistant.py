"""Commerce AI assistant endpoints, answered by the offline assistant for now
(core.commerce.assistant) in the document's shapes; 60 calls a minute per user."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from api.commerce import contract
from api.commerce.common import project
from core.auth.tokens import Account
from core.commerce import assistant
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


@contract.post("/assistant/query", response=QueryOut, tags=("assistant",), per_minute=AI_LIMIT)
async def query(request: web.Request, *, account: Account, body: QueryIn) -> QueryOut:
    """Ask the assistant about the project (orders by number)."""
    shop = await project(account, body.project_id)
    answer = await assistant.query(
        shop=shop, message=body.message, order=await _order(shop, body.order_id)
    )
    calls = answer.function_calls if body.use_function_calling else []
    return QueryOut(
        reply=answer.reply,
        function_calls=[FunctionCall(**c) for c in calls],
        tokens_used=answer.tokens_used,
        cost=answer.cost,
        model=answer.model,
    )


@contract.post(
    "/assistant/generate-reply", response=ReplyOut, tags=("assistant",), per_minute=AI_LIMIT
)
async def generate_reply(request: web.Request, *, account: Account, query: ReplyQuery) -> ReplyOut:
    """A draft reply to a customer's message."""
    shop = await project(account, query.project_id)
    answer = await assistant.draft_reply(
        shop=shop,
        customer_message=query.customer_message,
        order=await _order(shop, query.order_id),
    )
    return ReplyOut(
        reply=answer.reply, tokens_used=answer.tokens_used, cost=answer.cost, model=answer.model
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
    await project(account, query.project_id)
    found = assistant.analyze(query.message)
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
    """Model calls, tokens and cost of the period (the offline assistant costs nothing)."""
    await project(account, project_id)
    return UsageOut(
        period_days=query.days,
        total_api_calls=0,
        total_tokens_used=0,
        total_cost_usd=0.0,
        average_cost_per_call=0.0,
    )
