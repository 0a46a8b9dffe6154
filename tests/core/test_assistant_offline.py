"""The offline assistant (no network): a table of real-sounding customer questions in
ru, kk, uz and en, each with the intent it must find, the order the reply must name
and the language it must answer in; answers come from the shop's data through gettext.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.assistant import offline
from core.assistant.offline import OfflineAssistant, analyze
from core.assistant.tools import Scope, status_text
from core.i18n import gettext_for
from core.models import Customer, Order, Shop
from core.orders.service import FreeLine, advance_status, place_order
from core.orders.status import OrderStatus
from tests.factories import make_product, make_shop

ZONE = ZoneInfo("Asia/Almaty")
DAY = datetime(2026, 12, 3, tzinfo=ZONE)
WINDOW = "03.12 14:00–16:00"
HOURS = "09:00–21:00"
# My newest open order, the one a question without a number is about.
OPEN, OLD, THEIRS = "1031", "1024", "1040"

# (question, intent, order the reply names (None: none), language of the reply)
TABLE: list[tuple[str, str, str | None, str]] = [
    ("Здравствуйте, где мой заказ?", "order_status", OPEN, "ru"),
    ("Какой статус заказа #1024?", "order_status", OLD, "ru"),
    ("Что с заказом 1031? Уже отправили?", "order_status", OPEN, "ru"),
    ("Где заказ #1040?", "order_status", THEIRS, "ru"),
    ("Когда привезут букет?", "delivery_time", OPEN, "ru"),
    ("Во сколько приедет курьер?", "delivery_time", OPEN, "ru"),
    ("Сколько стоит букет роз?", "price", None, "ru"),
    ("Какие у вас цены на тюльпаны?", "price", None, "ru"),
    ("До скольки вы работаете?", "hours", None, "ru"),
    ("Вы открыты в воскресенье?", "hours", None, "ru"),
    ("Это ужас, курьер опоздал на два часа!", "complaint", OPEN, "ru"),
    ("Букет завял на следующий день, верните деньги", "complaint", OPEN, "ru"),
    ("Можно оплатить картой?", "off_topic", None, "ru"),
    ("Спасибо большое, всё понравилось!", "off_topic", None, "ru"),
    ("Сәлеметсіз бе, тапсырысым қайда?", "order_status", OPEN, "kk"),
    ("#1024 тапсырыстың мәртебесі қандай?", "order_status", OLD, "kk"),
    ("Гүлді қашан жеткізесіздер?", "delivery_time", OPEN, "kk"),
    ("Курьер қашан келеді?", "delivery_time", OPEN, "kk"),
    ("Раушан гүл шоғы қанша тұрады?", "price", None, "kk"),
    ("Бағасы қандай?", "price", None, "kk"),
    ("Сіздер нешеге дейін жұмыс істейсіздер?", "hours", None, "kk"),
    ("Жексенбі күні ашықсыздар ма?", "hours", None, "kk"),
    ("Тапсырыс кешікті, өте нашар!", "complaint", OPEN, "kk"),
    ("Шағым айтқым келеді, гүлдер солып қалды", "complaint", OPEN, "kk"),
    ("Рахмет, гүлдер керемет!", "off_topic", None, "kk"),
    ("Сіздерде жұмыс бар ма?", "off_topic", None, "kk"),
    ("Assalomu alaykum, buyurtmam qayerda?", "order_status", OPEN, "uz"),
    ("#1024 buyurtma holati qanday?", "order_status", OLD, "uz"),
    ("Gullarni qachon yetkazib berasiz?", "delivery_time", OPEN, "uz"),
    ("Kuryer qachon keladi?", "delivery_time", OPEN, "uz"),
    ("Atirgul guldastasi qancha turadi?", "price", None, "uz"),
    ("Narxlari qanday?", "price", None, "uz"),
    ("Soat nechagacha ishlaysiz?", "hours", None, "uz"),
    ("Yakshanba kuni ochiqmisiz?", "hours", None, "uz"),
    ("Buyurtma kechikdi, juda yomon!", "complaint", OPEN, "uz"),
    ("Gullar so'lib qolgan, shikoyat qilmoqchiman", "complaint", OPEN, "uz"),
    ("Rahmat, gullar juda chiroyli!", "off_topic", None, "uz"),
    ("Hi, where is my order?", "order_status", OPEN, "en"),
    ("What's the status of order #1024?", "order_status", OLD, "en"),
    ("Where is order #1040?", "order_status", THEIRS, "en"),
    ("When will my flowers arrive?", "delivery_time", OPEN, "en"),
    ("What time will the courier come?", "delivery_time", OPEN, "en"),
    ("How much is a bouquet of roses?", "price", None, "en"),
    ("What are your opening hours?", "hours", None, "en"),
    ("Are you open on Sunday?", "hours", None, "en"),
    ("This is terrible, the flowers arrived wilted. I want a refund.", "complaint", OPEN, "en"),
    ("Do you have a job opening?", "off_topic", None, "en"),
    ("Do you sell balloons?", "off_topic", None, "en"),
]


async def _order(shop: Shop, phone: str, ref: str, to: OrderStatus, day: datetime) -> Order:
    order = await place_order(
        shop_id=shop.id,
        customer_phone=phone,
        external_provider="shopify",
        external_id=ref,
        delivery_from=day.replace(hour=14),
        delivery_to=day.replace(hour=16),
        lines=[FreeLine(name="Букет роз 'Классика'", quantity=1, price=25000)],
    )
    return await advance_status(shop_id=shop.id, order_id=order.id, to=to)


async def test_the_question_table_in_four_languages(db: str) -> None:
    shop = await make_shop(settings={"hours": HOURS})
    await make_product(shop)
    await make_product(shop, name="Тюльпаны микс", price=9000)
    await _order(shop, "+77011234567", OLD, OrderStatus.DELIVERED, DAY - timedelta(days=5))
    newest = await _order(shop, "+77011234567", OPEN, OrderStatus.IN_DELIVERY, DAY)
    await _order(shop, "+77019998877", THEIRS, OrderStatus.ASSEMBLED, DAY)
    me = await Customer.get(shop_id=shop.id, phone="+77011234567")
    assistant = OfflineAssistant()
    assert len(TABLE) >= 40
    assert {language for *_rest, language in TABLE} == {"ru", "kk", "uz", "en"}
    wrong = []
    for question, intent, ref, language in TABLE:
        answer = await assistant.reply(scope=Scope.customer(shop, me.id, "ru"), message=question)
        tr = gettext_for("messages", language)
        if ref == THEIRS:
            expected = tr(offline.R_NOT_FOUND).format(number=THEIRS)
        elif intent == "order_status":
            status = OrderStatus.DELIVERED if ref == OLD else newest.status
            window = (DAY - timedelta(days=5)).strftime("%d.%m") + " 14:00–16:00"
            expected = tr(offline.R_STATUS).format(
                number=ref,
                status=status_text(status, language),
                window=window if ref == OLD else WINDOW,
            )
        elif intent == "delivery_time":
            expected = tr(offline.R_DELIVERY).format(
                number=ref, window=WINDOW, status=status_text(newest.status, language)
            )
        elif intent == "complaint":
            expected = tr(offline.R_COMPLAINT_ORDER).format(number=ref)
        elif intent == "hours":
            expected = tr(offline.R_HOURS).format(hours=HOURS)
        elif intent == "price":
            expected = tr(offline.R_PRICES).split("{products}")[0]
        else:
            expected = tr(offline.R_OFF_TOPIC)
        named = ref is None or f"#{ref}" in answer.reply
        if answer.intent != intent or not named or expected not in answer.reply:
            wrong.append((question, answer.intent, answer.reply))
        if ref not in (None, THEIRS) and answer.function_calls != [
            {"name": "fetch_order_details", "parameters": {"order_id": ref}}
        ]:
            wrong.append((question, "calls", answer.function_calls))
    assert wrong == []
    # Prices are the catalogue's; a status answer carries the order's window.
    answer = await assistant.reply(scope=Scope.customer(shop, me.id), message=TABLE[6][0])
    assert "Букет роз 'Классика' — 25 000 KZT" in answer.reply
    answer = await assistant.reply(scope=Scope.customer(shop, me.id), message="где мой заказ")
    assert answer.reply == gettext_for("messages", "ru")(offline.R_STATUS).format(
        number=OPEN, status=status_text(OrderStatus.IN_DELIVERY, "ru"), window=WINDOW
    )
    assert answer.model == "offline" and answer.tokens_used == 0


async def test_a_customer_nobody_knows_sees_no_order(db: str) -> None:
    shop = await make_shop()
    await _order(shop, "+77011234567", OPEN, OrderStatus.PAID, DAY)
    answer = await OfflineAssistant().reply(
        scope=Scope.customer(shop, None, "ru"), message="Где мой заказ #1031?"
    )
    assert answer.reply == gettext_for("messages", "ru")(offline.R_NOT_FOUND).format(number=OPEN)
    answer = await OfflineAssistant().reply(
        scope=Scope.customer(shop, None, "ru"), message="Где мой заказ?"
    )
    assert answer.reply == gettext_for("messages", "ru")(offline.R_ASK_NUMBER)


def test_sentiment_lexicon_in_four_languages() -> None:
    cases = [
        ("Где мой заказ?! Уже опоздали на час, срочно!", "negative", "high"),
        ("Тапсырыс кешікті, өте нашар!", "negative", "high"),
        ("Buyurtma kechikdi, juda yomon!", "negative", "high"),
        ("Where is my order? It's late and I need it ASAP", "negative", "high"),
        ("Спасибо, букет прекрасный!", "positive", "low"),
        ("Rahmat, juda zo'r!", "positive", "low"),
        ("Рахмет, керемет!", "positive", "low"),
        ("Thank you, the flowers are beautiful", "positive", "low"),
        ("Какие у вас есть букеты?", "neutral", "low"),
    ]
    for text, sentiment, urgency in cases:
        found = analyze(text)
        assert (found.sentiment, found.urgency) == (sentiment, urgency), text
    found = analyze("Where is my order? It's late and I need it ASAP")
    assert found.concerns == ["delivery delay", "order status"]
    assert found.recommended_tone == "empathetic and proactive"
