"""The offline assistant: no network, no model; keyword and pattern tables in ru, kk,
uz and en, answers from the same tools as a model and gettext templates.

    intent         recognised by (any language)                 answers with
    complaint      complaint words, or a negative + urgent tone  apology, manager told (order named)
    hours          opening hours, "are you open", "до скольки"   shop_info: hours / delivery windows
    price          "how much", "сколько стоит", "narxi", "бағасы" search_catalog: names and prices
    delivery_time  "when will it arrive", "когда привезут"      fetch_order_details: the window
    order_status   "where is my order", "статус", "buyurtma"    fetch_order_details: the status
    off_topic      anything else                                thanks, a manager answers

The first row that matches wins (a late order is a complaint before it is a question
about time). The order is the one the message names (`#1024`, or a number of 3+
digits), else the one the caller is about (the endpoint's order), else in a customer
conversation the customer's newest order. The reply is in the message's language
(Kazakh letters → kk, Cyrillic → ru, Uzbek words → uz, other Latin → en), else the
scope's. Its model is `offline`, with no tokens.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from core.assistant.base import OFFLINE, Answer, Sentiment
from core.assistant.tools import Scope, find_order, order_details, run_tool
from core.i18n import gettext_for
from core.models import Order, Product
from core.money import json_amount
from core.orders.status import OPEN
from core.ports.assistant import ToolCall


def _(message: str) -> str:
    return message


R_STATUS = _("Order #{number}: {status}. Delivery: {window}.")
R_STATUS_NO_WINDOW = _("Order #{number}: {status}.")
R_DELIVERY = _("Order #{number} is planned for {window}. Now: {status}.")
R_DELIVERY_UNSET = _(
    "Order #{number} has no delivery time yet; a manager will confirm it. Now: {status}."
)
R_NOT_FOUND = _("I could not find order #{number}. Please check the number.")
R_ASK_NUMBER = _("Please send your order number, for example #1024, and I will check it.")
R_PRICES = _("Our prices: {products}. A manager will help you choose.")
R_PRICE_UNKNOWN = _("A manager will tell you the price shortly.")
R_HOURS = _("We are open {hours}.")
R_WINDOWS = _("We deliver in these windows: {windows}.")
R_COMPLAINT_ORDER = _(
    "We are very sorry about order #{number}. A manager has your message and will contact "
    "you shortly."
)
R_COMPLAINT = _("We are very sorry. A manager has your message and will contact you shortly.")
R_OFF_TOPIC = _("Thank you for your message! A manager will answer you shortly.")


def _patterns(*words: str) -> re.Pattern[str]:
    return re.compile("|".join(words), re.IGNORECASE)


# Stems, so that case endings (заказа, заказом; buyurtmam, buyurtmani) match too.
COMPLAINT = _patterns(
    r"жалоб", r"ужас", r"отвратител", r"опозда", r"завял", r"недовол", r"верните", r"возврат",
    r"не тот", r"испорч", r"хамств", r"безобраз", r"обман", r"кошмар", r"до сих пор не",
    r"шағым", r"нашар", r"кешікт", r"сапасыз", r"ашулан", r"солып қал", r"ақшамды қайтар",
    r"shikoyat", r"yomon", r"kechikdi", r"sifatsiz", r"qaytaring", r"dahshat", r"norozi",
    r"so'lib", r"complain", r"terrible", r"awful", r"\blate\b", r"wilted", r"refund",
    r"wrong (bouquet|order|flowers|address)", r"disappoint", r"worst", r"\brude\b",
    r"still (hasn't|has not|not)", r"unacceptable",
)  # fmt: skip
HOURS = _patterns(
    r"до скольки", r"часы работы", r"режим работы", r"график работы", r"вы открыт",
    r"открываетесь", r"закрываетесь", r"работаете", r"выходн",
    r"жұмыс уақыт", r"неше(ге|ден) дейін", r"ашықсыз", r"жұмыс істейсіз", r"демалыс",
    r"ish vaqt", r"nechagacha", r"ochiqmisiz", r"ishlaysiz", r"dam olish",
    r"opening hours", r"working hours", r"are you open", r"\bopen\b", r"\bclose\b",
    r"what time do you",
)  # fmt: skip
PRICE = _patterns(
    r"сколько стоит", r"сколько будет стоить", r"\bцен", r"стоимост", r"почём", r"прайс",
    r"қанша тұрады", r"баға", r"неше теңге", r"қанша теңге",
    r"qancha turadi", r"narx", r"necha pul", r"qancha so'm", r"qancha bo'ladi",
    r"how much", r"\bprice", r"\bcost",
)  # fmt: skip
DELIVERY_TIME = _patterns(
    r"когда (привез|доставя|будет|приед|принес)", r"во сколько (привез|достав|будет|приед)",
    r"время доставки", r"к какому времени", r"успеете", r"курьер",
    r"қашан (жеткіз|әкел|келеді|жетеді)", r"жеткізу уақыт", r"курьер",
    r"qachon (yetkaz|olib kel|keladi|yetib)", r"yetkazib berish vaqt", r"kuryer",
    r"when will", r"what time will", r"delivery time", r"\barriv", r"\beta\b",
    r"how long",
)  # fmt: skip
ORDER_STATUS = _patterns(
    r"где (мой|мои|наш) заказ", r"статус", r"что с (моим )?заказом", r"мой заказ", r"заказ",
    r"тапсырыс", r"мәртебе", r"buyurtma", r"holat", r"where is my", r"order status",
    r"status of", r"my order", r"\btrack", r"\border\b",
)  # fmt: skip
TABLE: Sequence[tuple[str, re.Pattern[str]]] = (
    ("complaint", COMPLAINT),
    ("hours", HOURS),
    ("price", PRICE),
    ("delivery_time", DELIVERY_TIME),
    ("order_status", ORDER_STATUS),
)

KAZAKH_LETTERS = re.compile(r"[әғқңөұүһі]", re.IGNORECASE)
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
UZBEK_WORDS = _patterns(
    r"\b(buyurtma\w*|qachon|qancha|narx\w*|salom|rahmat|qayerda|yetkaz\w*|kerak|bormi|"
    r"gul\w*|ishlaysiz\w*|nechagacha|ochiqmisiz|shikoyat|yomon|kechikdi|assalomu|"
    r"iltimos|bugun|ertaga|kuryer|holat\w*|soat)\b",
    r"o['‘’`]",
)
LATIN = re.compile(r"[a-z]", re.IGNORECASE)
ORDER_IN_TEXT = re.compile(r"#\s*([A-Za-z0-9][A-Za-z0-9-]{0,63})|(?<![\d.,])(\d{3,10})(?![\d.,])")


def detect_intent(message: str) -> str:
    for intent, pattern in TABLE:
        if pattern.search(message):
            return intent
    return "off_topic"


def detect_language(message: str, default: str) -> str:
    if KAZAKH_LETTERS.search(message):
        return "kk"
    if CYRILLIC.search(message):
        return "ru"
    if UZBEK_WORDS.search(message):
        return "uz"
    if LATIN.search(message):
        return "en"
    return default


def order_in_text(message: str) -> str | None:
    found = ORDER_IN_TEXT.search(message)
    if found is None:
        return None
    return found.group(1) or found.group(2)


NEGATIVE = _patterns(
    COMPLAINT.pattern, r"где мой", r"где заказ", r"плохо", r"отмен", r"не пришел",
    r"не пришёл", r"задерж", r"сломан", r"қайда", r"qayerda", r"\bwhere is\b", r"\bdelay",
    r"\bbad\b", r"\bcancel", r"\bbroken\b", r"\bnever\b", r"\bangry\b",
)  # fmt: skip
POSITIVE = _patterns(
    r"спасибо", r"отлично", r"класс", r"супер", r"прекрасн", r"рахмет", r"керемет",
    r"rahmat", r"zo'r", r"ajoyib", r"\bthank", r"\bgreat\b", r"\blove\b", r"\bperfect\b",
    r"\bexcellent\b", r"\bbeautiful\b",
)  # fmt: skip
URGENT = _patterns(
    r"\basap\b", r"\burgent", r"\bimmediately\b", r"\bright now\b", r"срочно", r"немедленно",
    r"прямо сейчас", r"шұғыл", r"тез арада", r"қазір", r"shoshilinch", r"tezroq", r"hoziroq",
)  # fmt: skip
CONCERNS: Sequence[tuple[str, re.Pattern[str]]] = (
    (
        "delivery delay",
        _patterns(
            r"опозда", r"задерж", r"не пришел", r"не пришёл", r"до сих пор не", r"кешікт",
            r"kechikdi", r"\blate\b", r"\bdelay", r"still (hasn't|has not|not)",
        ),
    ),
    (
        "order status",
        _patterns(
            r"где (мой|мои|наш)? ?заказ", r"статус", r"тапсырысым қайда", r"buyurtmam qayerda",
            r"where is", r"\bstatus\b",
        ),
    ),
    ("refund", _patterns(r"верните", r"возврат", r"қайтар", r"qaytar", r"refund", r"money back")),
    ("cancellation", _patterns(r"отмен", r"бас тарт", r"bekor", r"\bcancel")),
    (
        "quality",
        _patterns(
            r"завял", r"испорч", r"сломан", r"не тот", r"сапасыз", r"sifatsiz", r"so'lib",
            r"wilted", r"broken", r"wrong", r"\bbad\b",
        ),
    ),
)  # fmt: skip
TONES = {
    "negative": "empathetic and proactive",
    "positive": "warm and appreciative",
    "neutral": "friendly and informative",
}


def analyze(message: str) -> Sentiment:
    """Sentiment by a small lexicon in the four languages."""
    text = message or ""
    negative = len(NEGATIVE.findall(text))
    positive = len(POSITIVE.findall(text))
    sentiment = "negative" if negative > positive else "positive" if positive else "neutral"
    urgent = bool(URGENT.search(text)) or text.count("!") >= 2
    complaint = bool(COMPLAINT.search(text))
    if sentiment == "negative" and (urgent or negative >= 2 or complaint):
        urgency = "high"
    elif sentiment == "negative" or urgent:
        urgency = "medium"
    else:
        urgency = "low"
    concerns = [name for name, pattern in CONCERNS if pattern.search(text)]
    return Sentiment(
        sentiment=sentiment, urgency=urgency, concerns=concerns, recommended_tone=TONES[sentiment]
    )


def _money(amount: int | float, currency: str) -> str:
    whole = f"{amount:,.2f}" if isinstance(amount, float) else f"{amount:,}"
    return f"{whole.replace(',', ' ')} {currency}"


async def cheapest(scope: Scope) -> list[dict[str, Any]]:
    """Three of the shop's cheapest products, for a price question naming none."""
    currency = str(scope.shop.currency)
    products = (
        await Product.filter(shop_id=scope.shop.id, is_active=True).order_by("price", "id").limit(3)
    )
    return [
        {
            "name": p.name,
            "price": json_amount(p.discount_price or p.price, currency),
            "currency": currency,
        }
        for p in products
    ]


class OfflineAssistant:
    """The Assistant port without a model (see the module docstring)."""

    @property
    def model(self) -> str:
        return OFFLINE

    async def _order(
        self, scope: Scope, message: str, order: Order | None
    ) -> tuple[Order | None, str | None]:
        """The order the message is about, and the reference it used (None: none named)."""
        reference = order_in_text(message)
        if reference is not None:
            return await find_order(scope, reference), reference
        if order is not None:
            return order, None
        if scope.customer_conversation and scope.customer_id is not None:
            orders = Order.filter(shop_id=scope.shop.id, customer_id=scope.customer_id)
            newest = (
                await orders.filter(status__in=list(OPEN)).order_by("-created_at", "-id").first()
                or await orders.order_by("-created_at", "-id").first()
            )
            return newest, None
        return None, None

    async def reply(self, *, scope: Scope, message: str, order: Order | None = None) -> Answer:
        """Answer from the tables. Outcomes: the intent's template with the scope's data;
        an order named but not the scope's: not found."""
        language = detect_language(message, scope.language)
        scope = Scope(
            shop=scope.shop,
            customer_conversation=scope.customer_conversation,
            customer_id=scope.customer_id,
            language=language,
        )
        tr = gettext_for("messages", language)
        intent = detect_intent(message)
        calls: list[dict[str, object]] = []
        answer = Answer(reply="", function_calls=calls, intent=intent)  # type: ignore[arg-type]

        if intent in ("order_status", "delivery_time", "complaint"):
            found, reference = await self._order(scope, message, order)
            label = reference or (str(found.external_id or found.number) if found else None)
            if label is not None:
                calls.append({"name": "fetch_order_details", "parameters": {"order_id": label}})
            if found is None and reference is not None and intent != "complaint":
                answer.reply = tr(R_NOT_FOUND).format(number=reference)
                return answer
            if found is None:
                answer.reply = tr(R_COMPLAINT if intent == "complaint" else R_ASK_NUMBER)
                return answer
            answer.order_id = found.id
            details = await order_details(scope, found)
            number = details["order_number"]
            status, window = details["status_text"], details["delivery_window"]
            if intent == "complaint":
                answer.reply = tr(R_COMPLAINT_ORDER).format(number=number)
            elif intent == "delivery_time":
                template = R_DELIVERY if window else R_DELIVERY_UNSET
                answer.reply = tr(template).format(number=number, window=window, status=status)
            else:
                template = R_STATUS if window else R_STATUS_NO_WINDOW
                answer.reply = tr(template).format(number=number, window=window, status=status)
            return answer

        if intent == "hours":
            calls.append({"name": "shop_info", "parameters": {}})
            info = await run_tool(scope, ToolCall("shop_info", {}))
            if info["hours"]:
                answer.reply = tr(R_HOURS).format(hours=info["hours"])
            else:
                answer.reply = tr(R_WINDOWS).format(windows=", ".join(info["delivery_windows"]))
            return answer

        if intent == "price":
            calls.append({"name": "search_catalog", "parameters": {"query": message[:100]}})
            found_products = (
                await run_tool(scope, ToolCall("search_catalog", {"query": message[:100]}))
            ).get("products") or []
            if not found_products:
                found_products = await cheapest(scope)
            if found_products:
                listed = "; ".join(
                    f"{p['name']} — {_money(p['price'], p['currency'])}" for p in found_products[:3]
                )
                answer.reply = tr(R_PRICES).format(products=listed)
            else:
                answer.reply = tr(R_PRICE_UNKNOWN)
            return answer

        answer.reply = tr(R_OFF_TOPIC)
        return answer

    async def sentiment(self, *, scope: Scope, message: str) -> Sentiment:
        return analyze(message)
