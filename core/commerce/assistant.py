"""The offline assistant: answers from the project's own data, no model behind it.

It stands in until the AI integration lands (DESIGN.md: without a key, a built-in
offline assistant answers from real data). It recognises an order by `#<number>`, its
external id or the order given, and answers with its status; it drafts replies to
customers from the order's state; it reads sentiment from keywords (Russian and
English). Every answer says `model: "offline"`, with no tokens and no cost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from core.commerce.orders import word_of
from core.i18n import gettext_for
from core.models import Order, Shop

MODEL = "offline"
_ORDER_REF = re.compile(r"#\s*([A-Za-z0-9-]{1,64})")


def _(message: str) -> str:
    return message


ORDER_STATUS_REPLY = _("Order #{number} is {status}.")
NO_ORDER_REPLY = _("I could not find that order. Please send the order number, for example #1024.")
STATUS_WORDS = {
    "pending": _("waiting to be confirmed"),
    "paid": _("paid and waiting to be prepared"),
    "processing": _("being prepared"),
    "shipped": _("on its way"),
    "fulfilled": _("delivered"),
    "cancelled": _("cancelled"),
    "on_hold": _("on hold while we sort out a problem"),
}
REPLY_TEMPLATE = _(
    "Hello! Thank you for your message. Your order #{number} is {status}. We will keep you posted."
)
REPLY_NO_ORDER = _("Hello! Thank you for your message. We will get back to you shortly.")

NEGATIVE = (
    "late", "delay", "where is", "angry", "bad", "terrible", "refund", "cancel", "wrong",
    "broken", "never", "опозд", "задерж", "где мой", "где заказ", "плохо", "ужас", "верните",
    "отмен", "не пришел", "не пришёл", "жалоб",
)  # fmt: skip
POSITIVE = (
    "thank", "great", "love", "perfect", "excellent", "спасибо", "отлично", "класс", "супер",
    "рахмет", "rahmat",
)  # fmt: skip
URGENT = ("asap", "urgent", "now", "today", "immediately", "срочно", "сейчас", "сегодня")
CONCERNS = {
    "delivery delay": ("late", "delay", "опозд", "задерж", "не пришел", "не пришёл"),
    "order status": ("where is", "status", "где мой", "где заказ", "статус"),
    "refund": ("refund", "money back", "верните", "возврат"),
    "cancellation": ("cancel", "отмен"),
    "quality": ("broken", "wrong", "bad", "плохо", "сломан", "не тот"),
}


@dataclass
class Answer:
    reply: str
    function_calls: list[dict[str, Any]] = field(default_factory=list)
    tokens_used: int = 0
    cost: float = 0.0
    model: str = MODEL


async def _find_order(shop: Shop, message: str, order: Order | None) -> tuple[Order | None, str]:
    if order is not None:
        return order, str(order.external_id or order.number)
    found = _ORDER_REF.search(message or "")
    if found is None:
        return None, ""
    ref = found.group(1)
    by_external = await Order.filter(shop_id=shop.id, external_id=ref).first()
    if by_external is not None:
        return by_external, ref
    if ref.isdigit() and int(ref) < 2**31:
        return await Order.filter(shop_id=shop.id, number=int(ref)).first(), ref
    return None, ref


def _status_text(order: Order, language: str) -> str:
    tr = gettext_for("messages", language)
    return tr(STATUS_WORDS[word_of(order.status)])


async def query(*, shop: Shop, message: str, order: Order | None = None) -> Answer:
    """Answer a staff question about an order (its status) from the project's data."""
    language = shop.locale or "ru"
    tr = gettext_for("messages", language)
    found, ref = await _find_order(shop, message, order)
    calls = [{"name": "fetch_order_details", "parameters": {"order_id": ref}}] if ref else []
    if found is None:
        return Answer(reply=tr(NO_ORDER_REPLY), function_calls=calls)
    reply = tr(ORDER_STATUS_REPLY).format(
        number=found.external_id or found.number, status=_status_text(found, language)
    )
    return Answer(reply=reply, function_calls=calls)


async def draft_reply(*, shop: Shop, customer_message: str, order: Order | None) -> Answer:
    """A reply to a customer's message, in the project's language."""
    language = shop.locale or "ru"
    tr = gettext_for("messages", language)
    found, _ref = await _find_order(shop, customer_message, order)
    if found is None:
        return Answer(reply=tr(REPLY_NO_ORDER))
    return Answer(
        reply=tr(REPLY_TEMPLATE).format(
            number=found.external_id or found.number, status=_status_text(found, language)
        )
    )


@dataclass(frozen=True)
class Sentiment:
    sentiment: str
    urgency: str
    concerns: list[str]
    recommended_tone: str


def analyze(message: str) -> Sentiment:
    text = (message or "").lower()
    negative = sum(word in text for word in NEGATIVE)
    positive = sum(word in text for word in POSITIVE)
    sentiment = "negative" if negative > positive else "positive" if positive else "neutral"
    urgent = any(word in text for word in URGENT) or text.count("!") >= 2
    urgency = "high" if urgent or negative >= 2 else "medium" if negative else "low"
    concerns = [name for name, words in CONCERNS.items() if any(w in text for w in words)]
    tone = {
        "negative": "empathetic and proactive",
        "positive": "warm and appreciative",
        "neutral": "friendly and informative",
    }[sentiment]
    return Sentiment(sentiment=sentiment, urgency=urgency, concerns=concerns, recommended_tone=tone)
