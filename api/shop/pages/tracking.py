"""The public tracking page: one order's status timeline, delivery window, masked address
and photos, in ru, kk, uz or en. Mobile-first, inline CSS, no scripts, no external assets.

Texts are msgids of the gettext domain `web` (locales/<lang>/LC_MESSAGES/web.po).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_datetime
from babel.numbers import format_decimal

from core.i18n import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, gettext_for
from core.models import DeliveryMethod
from core.orders.status import OrderStatus
from core.tracking import Tracking, TrackingPhoto

Translate = Callable[[str], str]

BABEL_LOCALES = {"ru": "ru", "kk": "kk", "uz": "uz_Latn", "en": "en"}


def _(message: str) -> str:
    """Marks a msgid for extraction; the page translates it when it renders."""
    return message


STATUS_LABELS: dict[OrderStatus, str] = {
    OrderStatus.NEW: _("Order placed"),
    OrderStatus.PAID: _("Paid"),
    OrderStatus.IN_PRODUCTION: _("Florists are arranging it"),
    OrderStatus.ASSEMBLED: _("Bouquet is ready"),
    OrderStatus.IN_DELIVERY: _("On the way"),
    OrderStatus.AWAITING_PICKUP: _("Ready for pickup"),
    OrderStatus.DELIVERED: _("Delivered"),
    OrderStatus.COMPLETED: _("Completed"),
    OrderStatus.CANCELLED: _("Cancelled"),
    OrderStatus.ISSUE: _("We are sorting out a problem"),
}


def _parse_accept_language(header: str | None) -> list[str]:
    """Language tags of an Accept-Language header, most wanted first."""
    if not header:
        return []
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip()
        quality = 1.0
        for param in pieces[1:]:
            name, _sep, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, index, tag))
    return [tag for _q, _i, tag in sorted(ranked)]


def choose_language(
    asked: str | None, accept_language: str | None, order_language: str | None
) -> str:
    """`?lang=` first, then the browser's languages, then the order's, then Russian."""
    candidates = [asked or "", *_parse_accept_language(accept_language), order_language or ""]
    for candidate in candidates:
        base = candidate.replace("_", "-").split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return DEFAULT_LANGUAGE


def _local(moment: datetime, timezone: str, language: str, pattern: str) -> str:
    return babel_datetime(
        moment, pattern, tzinfo=ZoneInfo(timezone), locale=BABEL_LOCALES.get(language, language)
    )


def format_window(
    start: datetime | None, end: datetime | None, timezone: str, language: str
) -> str | None:
    """ "26 декабря, 14:00–16:00" (both ends on one day) or both ends in full."""
    if start is None and end is None:
        return None
    if start is not None and end is not None:
        zone = ZoneInfo(timezone)
        if start.astimezone(zone).date() == end.astimezone(zone).date():
            day = _local(start, timezone, language, "d MMMM")
            return (
                f"{day}, {_local(start, timezone, language, 'HH:mm')}"
                f"–{_local(end, timezone, language, 'HH:mm')}"
            )
        return (
            f"{_local(start, timezone, language, 'd MMMM, HH:mm')} – "
            f"{_local(end, timezone, language, 'd MMMM, HH:mm')}"
        )
    moment = start or end
    assert moment is not None
    return _local(moment, timezone, language, "d MMMM, HH:mm")


STYLE = """
*{box-sizing:border-box}
body{margin:0;font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Arial,sans-serif;
background:#f6f3f4;color:#222;line-height:1.45;font-size:16px}
main{max-width:480px;margin:0 auto;padding:16px}
header{padding:8px 4px 12px}
header .shop{color:#8a2046;font-weight:600;font-size:15px}
h1{font-size:22px;margin:4px 0 0}
.card{background:#fff;border-radius:14px;padding:16px;margin:0 0 12px;
box-shadow:0 1px 3px rgba(0,0,0,.06)}
.status{font-size:20px;font-weight:700;color:#8a2046}
.status.problem{color:#b3261e}
.muted{color:#6b6b6b;font-size:14px}
.note{margin:8px 0 0;font-size:15px}
h2{font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:#6b6b6b;margin:0 0 8px}
ol.timeline{list-style:none;margin:0;padding:0}
ol.timeline li{position:relative;padding:0 0 14px 28px}
ol.timeline li:before{content:"";position:absolute;left:6px;top:6px;width:12px;height:12px;
border-radius:50%;background:#d9d2d5}
ol.timeline li:after{content:"";position:absolute;left:11px;top:20px;bottom:-2px;width:2px;
background:#e8e2e4}
ol.timeline li:last-child:after{display:none}
ol.timeline li.done:before{background:#8a2046}
ol.timeline li.current:before{background:#fff;border:3px solid #8a2046}
ol.timeline li.upcoming{color:#9a9a9a}
ol.timeline .when{display:block;font-size:13px;color:#6b6b6b}
.photos{display:grid;grid-template-columns:repeat(2,1fr);gap:8px}
.photos figure{margin:0}
.photos img{width:100%;height:auto;border-radius:10px;display:block;background:#eee}
.photos figcaption{font-size:13px;color:#6b6b6b;padding:4px 2px 0}
ul.items{list-style:none;margin:0;padding:0}
ul.items li,.total{display:flex;justify-content:space-between;gap:12px;padding:4px 0}
.total{border-top:1px solid #eee;margin-top:6px;padding-top:8px;font-weight:700}
.contact .button{display:block;text-align:center;padding:10px;margin:8px 0 0;border-radius:10px;
background:#8a2046;color:#fff;text-decoration:none;font-weight:600}
nav.languages{text-align:center;padding:8px 0 24px;font-size:14px}
nav.languages a{color:#8a2046;margin:0 6px;text-decoration:none}
nav.languages a[aria-current]{font-weight:700;text-decoration:underline}
@media (min-width:720px){main{padding-top:32px}}
"""


def _page(*, language: str, title: str, body: str, token: str | None) -> str:
    links = []
    for code in LANGUAGES:
        current = ' aria-current="true"' if code == language else ""
        href = f"/tracking/{escape(token)}?lang={code}" if token else f"?lang={code}"
        links.append(
            f'<a href="{href}" hreflang="{code}" lang="{code}"{current}>'
            f"{escape(LANGUAGE_NAMES[code])}</a>"
        )
    return (
        "<!doctype html>\n"
        f'<html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}"
        f'<nav class="languages">{"".join(links)}</nav>'
        "</main></body></html>"
    )


PICKED_UP = _("Picked up")
PHOTO_CAPTIONS = {"assembled": _("Your bouquet, ready"), "delivered": _("Delivered")}


def _money(amount: int, currency: str, language: str) -> str:
    number = format_decimal(int(amount), locale=BABEL_LOCALES.get(language, language))
    return f"{number} {'₸' if currency == 'KZT' else CURRENCY_WORDS.get(currency, currency)}"


CURRENCY_WORDS = {"UZS": "soʻm"}


def render_tracking_page(view: Tracking, language: str, *, write_to: str | None = None) -> str:
    """The whole page for one order; `write_to` is a link to the shop's bot."""
    _ = gettext_for("web", language)
    tz = view.shop_timezone
    delivery = view.delivery_method is DeliveryMethod.DELIVERY
    heading = _("Order No. {number}").format(number=view.number)
    updated = _("Updated {time}").format(
        time=_local(view.updated_at, tz, language, "d MMMM, HH:mm")
    )
    status_label = _(STATUS_LABELS[view.status])
    status_title = _("Status")
    issue_note = _("We are already working on it and will contact you.")
    cancelled_note = _("This order has been cancelled.")
    window_title = _("Delivery window") if delivery else _("Pickup time")
    address_title = _("Delivery address") if delivery else _("Pickup address")
    not_set = _("Not set yet")
    progress_title = _("Order progress")
    photos_title = _("Photos")
    photo_alt = _("Photo of your bouquet")
    zone_note = _("Times are shown in the shop time zone ({zone}).").format(zone=tz)

    status_class = "problem" if view.status in (OrderStatus.ISSUE, OrderStatus.CANCELLED) else ""
    parts: list[str] = [
        f'<header><div class="shop">{escape(view.shop_name)}</div>'
        f"<h1>{escape(heading)}</h1></header>"
    ]
    status_html = (
        f'<section class="card" aria-label="{escape(status_title)}">'
        f'<div class="status {status_class}" data-status="{view.status.value}">'
        f"{escape(status_label)}</div>"
        f'<div class="muted">{escape(updated)}</div>'
    )
    if view.status is OrderStatus.ISSUE:
        status_html += f'<p class="note">{escape(issue_note)}</p>'
    elif view.status is OrderStatus.CANCELLED:
        status_html += f'<p class="note">{escape(cancelled_note)}</p>'
    parts.append(status_html + "</section>")

    window = format_window(view.delivery_from, view.delivery_to, tz, language)
    details = (
        f'<section class="card"><h2>{escape(window_title)}</h2>'
        f'<div class="window">{escape(window or not_set)}</div>'
    )
    if view.address:
        details += (
            f'<h2 style="margin-top:14px">{escape(address_title)}</h2>'
            f'<div class="address">{escape(view.address)}</div>'
        )
    parts.append(details + "</section>")

    steps = []
    for step in view.timeline():
        state = "current" if step.current else ("done" if step.done else "upcoming")
        when = ""
        if step.at is not None:
            when = f'<span class="when">{escape(_local(step.at, tz, language, "d MMMM, HH:mm"))}</span>'
        label = _(STATUS_LABELS[step.status])
        if step.status is OrderStatus.DELIVERED and not delivery:
            label = _(PICKED_UP)
        steps.append(
            f'<li class="{state}" data-status="{step.status.value}">{escape(label)}{when}</li>'
        )
    parts.append(
        f'<section class="card"><h2>{escape(progress_title)}</h2>'
        f'<ol class="timeline">{"".join(steps)}</ol></section>'
    )
    if view.items:
        rows = "".join(
            f"<li><span>{escape(item.name_in(language, view.shop_language))}"
            f" × {item.quantity}</span>"
            f"<span>{escape(_money(item.total, view.currency, language))}</span></li>"
            for item in view.items
        )
        parts.append(
            f'<section class="card"><h2>{escape(_("Your order"))}</h2>'
            f'<ul class="items">{rows}</ul>'
            f'<div class="total"><span>{escape(_("Total"))}</span>'
            f"<span>{escape(_money(view.total, view.currency, language))}</span></div></section>"
        )
    gallery = view.gallery or [TrackingPhoto(url, "assembled") for url in view.photos]
    if gallery:
        figures = "".join(
            f'<figure><img src="{escape(photo.url)}" alt="{escape(photo_alt)}" loading="lazy">'
            f"<figcaption>{escape(_(PHOTO_CAPTIONS.get(photo.kind, photos_title)))}</figcaption>"
            "</figure>"
            for photo in gallery
        )
        parts.append(
            f'<section class="card"><h2>{escape(photos_title)}</h2>'
            f'<div class="photos">{figures}</div></section>'
        )
    contact = []
    if view.shop_phone:
        contact.append(
            f'<a class="button" href="tel:{escape(view.shop_phone)}">'
            f"{escape(_('Call the shop'))} {escape(view.shop_phone)}</a>"
        )
    if write_to:
        contact.append(
            f'<a class="button" href="{escape(write_to)}" rel="noopener">'
            f"{escape(_('Write to us'))}</a>"
        )
    if contact:
        parts.append(
            f'<section class="card contact"><h2>{escape(_("Questions?"))}</h2>'
            f"{''.join(contact)}</section>"
        )
    parts.append(f'<p class="muted" style="text-align:center">{escape(zone_note)}</p>')
    title = f"{heading} — {view.shop_name}"
    return _page(language=language, title=title, body="".join(parts), token=view.token)


def render_not_found(language: str) -> str:
    """The page for a token that matches no order."""
    _ = gettext_for("web", language)
    title = _("Order not found")
    hint = _(
        "The link may be mistyped or out of date. Please check it or ask the shop for a new one."
    )
    body = (
        f'<section class="card"><h1>{escape(title)}</h1>'
        f'<p class="note">{escape(hint)}</p></section>'
    )
    return _page(language=language, title=title, body=body, token=None)
