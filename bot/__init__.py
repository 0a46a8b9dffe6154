"""The Telegram bot (aiogram 3): customers order in chat, staff run orders, couriers deliver.

How the pieces fit
------------------
- `bot.app.create_bot(runtime)` builds the `Bot` (base URL from TELEGRAM_API_BASE) with
  `bot.sender.Sender` on its session: every Bot API call of the process keeps Telegram's
  limits and waits out a 429. `bot.app.create_dispatcher(runtime)` builds the
  `Dispatcher`: FSM in `RedisStorage` over `runtime.kv`, the update inbox
  (`bot.updates`: each `update_id` takes effect once), the language middleware
  (`bot.i18n`) and the routers.
- `bot.runner.start_bot(runtime)` (called by `sauda serve`) runs polling, or the webhook
  route in webhook mode. `bot.subscribers` is a plugin (sauda.wiring.PLUGINS) without
  aiogram: it turns domain events into outbox rows in every process, and loads
  `bot.notify`, which delivers rows of topic `telegram`, on the first row it delivers.

Plugging in a router
--------------------
Add a module to `bot.routers.ROUTER_MODULES` (staff and courier are already listed)
with `def create_router() -> aiogram.Router` that builds a NEW Router on every call
(a restart builds a second Dispatcher in the same process). Register handlers with
`router.message.register(fn, *filters)` or decorators on a router created inside
`create_router`. Staff/courier routers are included before the customer router.

Services in handlers
--------------------
No globals: handlers declare what they need and aiogram passes it from workflow_data
(`Dispatcher(runtime=..., i18n=...)`): `runtime: core.runtime.Runtime` (settings, kv,
clock, extras), `i18n`, plus aiogram's own `bot`, `state: FSMContext`,
`event_from_user`, `event_chat`. Handlers read the update, call ONE core service and
render the answer. `runtime.clock.now()` is the time (tests freeze it).

Texts
-----
Every text a person reads is gettext of the `messages` domain with an English msgid:
`from aiogram.utils.i18n import gettext as _` (and `lazy_gettext as __` for text built
before an update, e.g. `F.text == __("Cancel")`). The update's language is already
picked (customer's choice, saved language, Telegram language if ru/kk/uz/en, else ru).
Outside an update: `bot.i18n.render(msgid, language, params)`. Texts queued from core
(`core.notify.tell`, `core.channels.telegram_out.send_chat_message`) are msgids rendered at delivery in the reader's
language. After adding texts: `pybabel extract -F babel.cfg -o /tmp/messages.pot .`,
`pybabel update -i /tmp/messages.pot -d sauda/locales -D messages`, then fill every msgstr in
ru, kk, uz and en (tests/test_locales.py fails on a missing one).

Staff chat hook
---------------
`bot.notify.register_renderer(event_type, fn)` lets a side render its own outbox rows
(e.g. an order card that is edited in place): list the module in
`bot.notify.RENDERER_MODULES` with a `register_renderers()`. The event that queues such
a row is subscribed in `bot.subscribers` (keep aiogram out of it: the API imports it).

Testing
-------
`tests/fakes/telegram.py` is a fake Bot API server on loopback; the real Bot talks to it
over HTTP. `tests/bot/conftest.py` gives `telegram` (the fake), `bot_harness` (real Bot +
Dispatcher on the `runtime` fixture, so both stacks) and `harness.user(...)` ->
`TelegramUser` with `send`, `press`, `share_contact`, `send_location`, `send_photo`;
`deliver_outbox(runtime, clock)` delivers queued chat messages through bot.notify.
Assert on `telegram.calls` / `telegram.texts(chat_id)` and on the database. Waiting is
virtual there (`runtime.extras["sleep"]` advances the FrozenClock).

Commands of the customer side: /start [shop_<slug>], /catalog, /cart, /myorders,
/contacts, /language, /menu, /cancel. Staff and courier commands live in their routers.
"""
