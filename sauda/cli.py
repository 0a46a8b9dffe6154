"""`sauda`: serve, migrate and administer a deployment.

    sauda serve [--no-api] [--no-bot] [--no-scheduler] [--no-outbox]
    sauda migrate
    sauda shop create NAME [--slug S] [--timezone Asia/Almaty|Asia/Tashkent] [--currency KZT|UZS]
    sauda user add PHONE --role ROLE --shop SHOP [--name N] [--email E] [--password P]
                   [--change-role]                   (an existing member is asked first)
    sauda user list --shop SHOP
    sauda apikey create --shop SHOP [--name N]       (prints the key once)
    sauda apikey list --shop SHOP                    (never the key itself)
    sauda apikey revoke --shop SHOP KEY_ID
    sauda demo                                         (a small realistic demo shop)
    sauda webhook set --shop SHOP --url URL [--secret X] [--events E ...]
    sauda webhook list --shop SHOP
    sauda healthcheck [--url URL | --heartbeat FILE [--max-age S]]
    sauda whatsapp connect --shop SHOP --phone-number-id ID --token TOKEN [--display-phone P]
    sauda whatsapp list [--shop SHOP]                  (tokens masked)
    sauda whatsapp disconnect --shop SHOP --phone-number-id ID
    sauda consult connect --shop SHOP [--chatwoot-url URL --chatwoot-account N
                   --chatwoot-inbox N --chatwoot-token T [--chatwoot-webhook-secret S]]
                   [--onec-url URL --onec-user U --onec-password P [--onec-document D]]
                                                       (a service firm's Chatwoot and 1C:ЦЛ)
    sauda consult list --shop SHOP                     (secrets masked; Chatwoot's webhook URL)
    sauda consult disconnect --shop SHOP (--chatwoot | --onec)

SHOP is a shop id or slug. Bad settings stop with one line naming the setting (exit 2).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from core.settings import Settings, SettingsError, load_settings

log = logging.getLogger("sauda")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sauda", description="Sauda: chat-first commerce")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="API, bot, scheduler and outbox in one process")
    for part in ("api", "bot", "scheduler", "outbox"):
        serve.add_argument(f"--no-{part}", action="store_true", help=f"do not run the {part}")
    serve.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")

    commands.add_parser("migrate", help="apply database migrations")

    shop = commands.add_parser("shop", help="shops").add_subparsers(dest="action", required=True)
    create = shop.add_parser("create", help="create a shop")
    create.add_argument("name")
    create.add_argument("--slug")
    create.add_argument(
        "--timezone", default="Asia/Almaty", choices=["Asia/Almaty", "Asia/Tashkent"]
    )
    create.add_argument("--currency", default="KZT", choices=["KZT", "UZS"])
    create.add_argument("--locale", default="ru", choices=["ru", "kk", "uz", "en"])
    shop.add_parser("list", help="list shops")
    secret = shop.add_parser("payment-secret", help="set the payment webhook secret")
    secret.add_argument("--shop", required=True)
    secret.add_argument("--secret", help="default: a new random one, printed once")

    user = commands.add_parser("user", help="users").add_subparsers(dest="action", required=True)
    add = user.add_parser("add", help="add a user to a shop with a role")
    add.add_argument("phone")
    add.add_argument(
        "--role",
        required=True,
        choices=["owner", "admin", "manager", "florist", "courier", "cashier"],
    )
    add.add_argument("--shop", required=True, help="shop id or slug")
    add.add_argument("--name", default="")
    add.add_argument("--email")
    add.add_argument("--username")
    add.add_argument("--password")
    add.add_argument(
        "--change-role",
        action="store_true",
        help="an existing member's roles in the shop become --role (asked otherwise)",
    )
    remove = user.add_parser(
        "remove", help="take a user's roles in a shop away (their tokens stop at once)"
    )
    remove.add_argument("phone")
    remove.add_argument("--shop", required=True, help="shop id or slug")
    remove.add_argument(
        "--role",
        choices=["owner", "admin", "manager", "florist", "courier", "cashier"],
        help="only this role (default: every role the user holds in the shop)",
    )
    user_list = user.add_parser("list", help="list the shop's members and their roles")
    user_list.add_argument("--shop", required=True, help="shop id or slug")

    apikey = commands.add_parser("apikey", help="API keys").add_subparsers(
        dest="action", required=True
    )
    key_create = apikey.add_parser("create", help="create a key (printed once)")
    key_create.add_argument("--shop", required=True, help="shop id or slug")
    key_create.add_argument("--name", default="integration")
    key_list = apikey.add_parser("list", help="list the shop's keys (never the key itself)")
    key_list.add_argument("--shop", required=True, help="shop id or slug")
    key_revoke = apikey.add_parser("revoke", help="revoke a key")
    key_revoke.add_argument("--shop", required=True)
    key_revoke.add_argument("key_id", type=int)

    commands.add_parser("demo", help="load a small realistic demo shop")

    webhook = commands.add_parser("webhook", help="outgoing webhooks").add_subparsers(
        dest="action", required=True
    )
    hook_set = webhook.add_parser("set", help="create or update the shop's endpoint for a URL")
    hook_set.add_argument("--shop", required=True, help="shop id or slug")
    hook_set.add_argument("--url", required=True)
    hook_set.add_argument("--secret", help="default: a new random one, printed once")
    hook_set.add_argument(
        "--events",
        nargs="+",
        choices=["order.status_changed", "payment.received", "customer.registered"],
        help="default: all three",
    )
    hook_list = webhook.add_parser("list", help="list the shop's endpoints (secrets masked)")
    hook_list.add_argument("--shop", required=True, help="shop id or slug")

    whatsapp = commands.add_parser("whatsapp", help="WhatsApp numbers").add_subparsers(
        dest="action", required=True
    )
    wa_connect = whatsapp.add_parser("connect", help="register a shop's WhatsApp number")
    wa_connect.add_argument("--shop", required=True, help="shop id or slug")
    wa_connect.add_argument("--phone-number-id", required=True, help="Meta's id of the number")
    wa_connect.add_argument("--token", required=True, help="the number's access token")
    wa_connect.add_argument("--display-phone", default="", help="the number as people see it")
    wa_list = whatsapp.add_parser("list", help="list WhatsApp numbers (tokens masked)")
    wa_list.add_argument("--shop", help="shop id or slug (default: every shop)")
    wa_disconnect = whatsapp.add_parser("disconnect", help="stop serving a shop's number")
    wa_disconnect.add_argument("--shop", required=True, help="shop id or slug")
    wa_disconnect.add_argument("--phone-number-id", required=True)

    consult = commands.add_parser(
        "consult", help="a service firm's Chatwoot and 1C:ЦЛ connections"
    ).add_subparsers(dest="action", required=True)
    cs_connect = consult.add_parser(
        "connect", help="connect (or reconnect) the firm's Chatwoot inbox and/or 1C:ЦЛ"
    )
    cs_connect.add_argument("--shop", required=True, help="shop id or slug")
    chatwoot = cs_connect.add_argument_group("Chatwoot (all four, or none)")
    chatwoot.add_argument("--chatwoot-url", help="e.g. https://chat.firm.uz")
    chatwoot.add_argument("--chatwoot-account", type=int, help="the account id")
    chatwoot.add_argument("--chatwoot-inbox", type=int, help="the inbox id")
    chatwoot.add_argument("--chatwoot-token", help="an agent's or bot's api_access_token")
    chatwoot.add_argument(
        "--chatwoot-webhook-secret",
        help="default: the stored one, or a new random one (printed once)",
    )
    onec = cs_connect.add_argument_group("1C:ЦЛ (url, user and password, or none)")
    onec.add_argument("--onec-url", help="the OData base, e.g. https://1c.firm.uz/cl")
    onec.add_argument("--onec-user")
    onec.add_argument("--onec-password")
    onec.add_argument("--onec-document", help="default: Document_Консультация")
    cs_list = consult.add_parser("list", help="the firm's connections (secrets masked)")
    cs_list.add_argument("--shop", required=True, help="shop id or slug")
    cs_disconnect = consult.add_parser("disconnect", help="stop syncing to Chatwoot or 1C")
    cs_disconnect.add_argument("--shop", required=True, help="shop id or slug")
    which = cs_disconnect.add_mutually_exclusive_group(required=True)
    which.add_argument("--chatwoot", action="store_true")
    which.add_argument("--onec", action="store_true")

    health = commands.add_parser("healthcheck", help="exit 0 when this deployment is healthy")
    health.add_argument("--url", help="an HTTP health URL that must answer 200")
    health.add_argument("--heartbeat", help="a HEARTBEAT_FILE that must be fresh")
    health.add_argument("--max-age", type=float, default=60.0, help="seconds (heartbeat)")

    scheduler = commands.add_parser("scheduler", help="run only the scheduler (and outbox)")
    scheduler.add_argument("--list", action="store_true", help="print jobs with their next run")
    return parser


async def _with_db(settings: Settings, work: Callable[[], Awaitable[Any]]) -> Any:
    """Run `work` on the deployment's database and key-value store: a change of members
    or roles made here drops what the servers cached about the user in that store
    (core.auth.access), so it takes effect at their next request."""
    from core.auth import access
    from core.db import close_db, init_db
    from core.kv import create_kv

    await init_db(settings.effective_database_url)
    kv = create_kv(settings.redis_url)
    access.configure(kv=kv, cache_seconds=settings.effective_auth_cache_seconds)
    try:
        return await work()
    finally:
        access.reset()
        await kv.aclose()
        await close_db()


async def _resolve_shop(ref: str) -> Any:
    from core.models import Shop

    shop = await (Shop.get_or_none(id=int(ref)) if ref.isdigit() else Shop.get_or_none(slug=ref))
    if shop is None:
        raise SystemExit(f"sauda: no shop {ref!r} (use its id or slug; `sauda shop list`)")
    return shop


async def _migrate(settings: Settings) -> None:
    from core.db import apply_migrations

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    await apply_migrations(settings.effective_database_url)


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "migrate":
        await _migrate(settings)
        print("migrations applied")
        return 0
    if args.command == "serve":
        from sauda.serve import serve

        if not args.no_migrate:
            await _migrate(settings)
        await serve(
            settings,
            api=not args.no_api,
            bot=not args.no_bot,
            scheduler=not args.no_scheduler,
            outbox=not args.no_outbox,
        )
        return 0
    if args.command == "scheduler":
        from sauda.serve import serve

        if args.list:
            from scheduler.runner import print_jobs

            await _with_db(settings, lambda: print_jobs(settings))
            return 0
        await serve(settings, api=False, bot=False, scheduler=True, outbox=True)
        return 0
    if args.command == "demo":
        from sauda.demo import load_demo

        await _migrate(settings)
        base = public_base_url(settings)
        demo = await _with_db(
            settings, lambda: load_demo(data_dir=settings.data_dir, public_base_url=base)
        )
        print(await demo_guide(demo, settings, base))
        return 0
    return await _with_db(settings, lambda: _admin(args, settings))


async def _admin(args: argparse.Namespace, settings: Settings) -> int:
    from core.auth.apikeys import create_api_key, revoke_api_key
    from core.auth.service import set_password
    from core.models import ApiKey, Membership, Role, Shop, User
    from core.phones import InvalidPhone, normalize_phone
    from core.shops import (
        add_member,
        create_shop,
        get_or_create_user_by_phone,
        remove_member,
        set_member_role,
    )

    if args.command == "shop" and args.action == "create":
        shop = await create_shop(
            name=args.name,
            slug=args.slug,
            timezone=args.timezone,
            currency=args.currency,
            locale=args.locale,
        )
        print(f"shop created: id={shop.id} slug={shop.slug}")
        print(f"customers open: {await bot_link(settings, f'shop_{shop.slug}')}")
    elif args.command == "shop" and args.action == "list":
        username = await bot_username(settings)
        for shop in await Shop.all().order_by("id"):
            link = start_link(username, f"shop_{shop.slug}")
            print(f"{shop.id}\t{shop.slug}\t{shop.name}\t{shop.timezone}\t{shop.currency}\t{link}")
    elif args.command == "shop" and args.action == "payment-secret":
        import secrets

        shop = await _resolve_shop(args.shop)
        shop.payment_secret = args.secret or secrets.token_hex(32)
        await shop.save(update_fields=["payment_secret", "updated_at"])
        print(f"payment webhook secret for shop {shop.id}: {shop.payment_secret}")
    elif args.command == "user" and args.action == "add":
        shop = await _resolve_shop(args.shop)
        user, _ = await get_or_create_user_by_phone(phone=args.phone, name=args.name)
        if args.email:
            user.email = args.email.lower()
        if args.username:
            user.username = args.username
        role = Role(args.role)
        held = sorted(
            str(r)
            for r in await Membership.filter(shop_id=shop.id, user_id=user.id).values_list(
                "role", flat=True
            )
        )
        changing = bool(held) and held != [role.value]
        if (
            changing
            and not args.change_role
            and not _confirm(
                f"user {user.id} ({user.phone}) is {', '.join(held)} of shop {shop.id}; "
                f"make them {role.value} instead? [y/N] "
            )
        ):
            raise SystemExit(
                f"sauda: user {user.id} is already {', '.join(held)} of shop {shop.id}; "
                "nothing changed (pass --change-role to make the change)"
            )
        await user.save()
        if args.password:
            await set_password(user=user, password=args.password)
        if changing:
            await set_member_role(shop_id=shop.id, user_id=user.id, role=role)
            print(
                f"user {user.id} ({user.phone}) of shop {shop.id}: "
                f"{', '.join(held)} -> {role.value}"
            )
        else:
            await add_member(shop_id=shop.id, user_id=user.id, role=role)
            print(f"user {user.id} ({user.phone}) is {role.value} of shop {shop.id}")
    elif args.command == "user" and args.action == "remove":
        shop = await _resolve_shop(args.shop)
        try:
            phone = normalize_phone(args.phone)
        except InvalidPhone as error:
            raise SystemExit(f"sauda: {error}") from None
        person = await User.get_or_none(phone=phone)
        if person is None:
            raise SystemExit(f"sauda: no user with the phone {args.phone}")
        removed = await remove_member(
            shop_id=shop.id, user_id=person.id, role=Role(args.role) if args.role else None
        )
        if not removed:
            raise SystemExit(f"sauda: user {person.id} holds no such role in shop {shop.id}")
        left = sorted(
            str(r)
            for r in await Membership.filter(shop_id=shop.id, user_id=person.id).values_list(
                "role", flat=True
            )
        )
        print(
            f"user {person.id} ({person.phone}) of shop {shop.id}: "
            + (f"now {', '.join(left)}" if left else "no longer a member")
        )
    elif args.command == "user" and args.action == "list":
        shop = await _resolve_shop(args.shop)
        members = await Membership.filter(shop_id=shop.id).order_by("user_id", "role")
        roles: dict[int, list[str]] = {}
        for member in members:
            roles.setdefault(member.user_id, []).append(str(member.role.value))
        users = {u.id: u for u in await User.filter(id__in=list(roles))}
        print("id\tphone\tname\troles\tactive")
        for user_id, held_roles in roles.items():
            person = users[user_id]
            active = "yes" if person.is_active else "no"
            print(f"{user_id}\t{person.phone}\t{person.name}\t{','.join(held_roles)}\t{active}")
    elif args.command == "apikey" and args.action == "create":
        shop = await _resolve_shop(args.shop)
        key, plaintext = await create_api_key(shop_id=shop.id, name=args.name)
        print(f"API key {key.id} for shop {shop.id} (shown once, keep it safe):")
        print(plaintext)
    elif args.command == "apikey" and args.action == "list":
        shop = await _resolve_shop(args.shop)
        print("id\tname\trole\tcreated\tlast used\tstate")
        for key in await ApiKey.filter(shop_id=shop.id).order_by("id"):
            state = f"revoked {_moment(key.revoked_at)}" if key.revoked_at else "active"
            print(
                f"{key.id}\t{key.name}\t{key.role.value}\t{_moment(key.created_at)}\t"
                f"{_moment(key.last_used_at) if key.last_used_at else 'never'}\t{state}"
            )
    elif args.command == "apikey" and args.action == "revoke":
        from core.clock import SystemClock

        shop = await _resolve_shop(args.shop)
        await revoke_api_key(shop_id=shop.id, key_id=args.key_id, now=SystemClock().now())
        print(f"API key {args.key_id} revoked")
    elif args.command == "webhook":
        await _webhook(args, settings)
    elif args.command == "whatsapp":
        await _whatsapp(args, settings)
    elif args.command == "consult":
        await _consult(args, settings)
    return 0


CHATWOOT_OPTIONS = ("chatwoot_url", "chatwoot_account", "chatwoot_inbox", "chatwoot_token")
ONEC_OPTIONS = ("onec_url", "onec_user", "onec_password")


def _all_or_none(args: argparse.Namespace, names: tuple[str, ...]) -> bool:
    given = [name for name in names if getattr(args, name) is not None]
    if given and len(given) != len(names):
        missing = " ".join("--" + n.replace("_", "-") for n in names if n not in given)
        raise SystemExit(f"sauda: also give {missing}")
    return bool(given)


def chatwoot_webhook_url(settings: Settings, integration_id: str) -> str:
    """Where the firm's Chatwoot posts its webhook (api.consult.chatwoot)."""
    path = f"/api/chatwoot/webhook/{integration_id}"
    prefix = settings.contract_prefixes.get("consult")
    if prefix is not None:
        return public_base_url(settings) + prefix.rstrip("/") + path
    return f"http://localhost:{settings.consult_port}{path}"


async def _consult(args: argparse.Namespace, settings: Settings) -> None:
    from core.consultations import connections
    from core.vault import Vault

    vault = Vault(settings.secrets_key)
    shop = await _resolve_shop(args.shop)
    if args.action == "disconnect":
        provider = connections.CHATWOOT if args.chatwoot else connections.ONEC
        stopped = await connections.disconnect(shop_id=shop.id, provider=provider)
        print(
            f"{provider} of shop {shop.id} " + ("disconnected" if stopped else "was not connected")
        )
        return
    if args.action == "list":
        for view in await connections.connections_of_shop(shop.id, vault=vault):
            if view["provider"] == connections.CHATWOOT:
                print(
                    f"chatwoot\t{view['status']}\t{view['base_url']}\taccount {view['account_id']}"
                    f"\tinbox {view['inbox_id']}\ttoken {view['api_access_token'] or '-'}"
                    f"\twebhook secret {view['webhook_secret'] or '-'}"
                    f"\t{chatwoot_webhook_url(settings, view['id'])}"
                )
            else:
                print(
                    f"onec\t{view['status']}\t{view['base_url']}\tuser {view['username']}"
                    f"\tpassword {view['password'] or '-'}\t{view['document']}"
                )
        return
    with_chatwoot = _all_or_none(args, CHATWOOT_OPTIONS)
    with_onec = _all_or_none(args, ONEC_OPTIONS)
    if not with_chatwoot and not with_onec:
        raise SystemExit("sauda: give the Chatwoot options, the 1C options, or both (--help)")
    if with_chatwoot:
        done = await connections.set_up_chatwoot(
            shop_id=shop.id,
            base_url=args.chatwoot_url,
            account_id=args.chatwoot_account,
            inbox_id=args.chatwoot_inbox,
            api_access_token=args.chatwoot_token,
            webhook_secret=args.chatwoot_webhook_secret,
            vault=vault,
        )
        config = done.integration.config
        print(
            f"Chatwoot {'connected' if done.created else 'reconnected'} to shop {shop.id}:"
            f" {config['base_url']}, account {config['account_id']}, inbox {config['inbox_id']}"
            f" (token {mask_token(args.chatwoot_token)})"
        )
        url = chatwoot_webhook_url(settings, str(done.integration.public_id))
        print(f"Chatwoot webhook URL (Settings > Integrations > Webhooks): {url}")
        if done.new_webhook_secret:
            print(f"webhook secret (shown once, keep it safe): {done.new_webhook_secret}")
    if with_onec:
        done = await connections.set_up_onec(
            shop_id=shop.id,
            base_url=args.onec_url,
            username=args.onec_user,
            password=args.onec_password,
            document=args.onec_document,
            vault=vault,
        )
        config = done.integration.config
        print(
            f"1C {'connected' if done.created else 'reconnected'} to shop {shop.id}:"
            f" {config['base_url']}, user {config['username']}, {config['document']}"
            f" (password {mask_token(args.onec_password)})"
        )


async def _webhook(args: argparse.Namespace, settings: Settings) -> None:
    from core import webhooks

    shop = await _resolve_shop(args.shop)
    if args.action == "set":
        endpoint, created, secret = await webhooks.set_endpoint(
            shop_id=shop.id,
            url=args.url,
            secret=args.secret,
            events_wanted=args.events,
            allow_private=settings.allow_private_webhooks,
        )
        print(f"webhook {endpoint.id} {'created' if created else 'updated'}: {endpoint.url}")
        print(f"events: {' '.join(endpoint.events)}")
        if secret:
            print(f"secret (shown once, keep it safe): {secret}")
    else:
        for endpoint in await webhooks.list_endpoints(shop_id=shop.id):
            state = "active" if endpoint.is_active else "off"
            print(
                f"{endpoint.id}\t{endpoint.url}\t{state}\t{','.join(endpoint.events)}"
                f"\t{webhooks.mask_secret(endpoint.secret)}"
            )


async def _whatsapp(args: argparse.Namespace, settings: Settings) -> None:
    from core.channels import whatsapp_numbers as numbers
    from core.vault import Vault

    vault = Vault(settings.secrets_key)
    default = numbers.default_number(
        token=settings.whatsapp_token, phone_number_id=settings.whatsapp_phone_number_id
    )
    if args.action == "list":
        shop_id = (await _resolve_shop(args.shop)).id if args.shop else None
        for view in await numbers.list_numbers(vault=vault, default=default, shop_id=shop_id):
            origin = "default (settings)" if view.is_default else view.status
            print(
                f"{view.shop_id}\t{view.phone_number_id}\t{view.display_phone_number or '-'}"
                f"\t{origin}\t{view.access_token or '-'}"
            )
        return
    shop = await _resolve_shop(args.shop)
    if args.action == "disconnect":
        await numbers.disconnect_number(shop_id=shop.id, phone_number_id=args.phone_number_id)
        print(f"WhatsApp number {args.phone_number_id} of shop {shop.id} disconnected")
        return
    integration, created = await numbers.connect_number(
        shop_id=shop.id,
        phone_number_id=args.phone_number_id,
        access_token=args.token,
        vault=vault,
        display_phone_number=args.display_phone,
    )
    state = "connected" if created else "reconnected"
    print(
        f"WhatsApp number {integration.external_key} {state} to shop {shop.id}"
        f" (token {mask_token(args.token)})"
    )


def _confirm(question: str) -> bool:
    """Ask on the terminal; a command without one (a script, CI) gets no."""
    if not sys.stdin.isatty():
        return False
    return input(question).strip().lower() in {"y", "yes", "д", "да"}


def _moment(moment: Any) -> str:
    return str(moment.strftime("%Y-%m-%d %H:%M UTC")) if moment is not None else ""


def mask_token(token: str) -> str:
    from core.vault import mask

    return mask(token) or ""


def _run_loop(coroutine: Any) -> Any:
    """Run on uvloop where the platform has it (API, bot and scheduler alike)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def public_base_url(settings: Settings) -> str:
    return settings.public_base_url or f"http://localhost:{settings.api_port}"


async def bot_username(settings: Settings) -> str | None:
    """The bot's username from getMe, or None without a token or an answer.

    One plain Bot API call: importing aiogram for it would cost a CLI command seconds."""
    if not settings.telegram_bot_token:
        return None
    import aiohttp

    url = f"{settings.telegram_api_base.rstrip('/')}/bot{settings.telegram_bot_token}/getMe"
    try:
        timeout = aiohttp.ClientTimeout(total=5)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url) as response,
        ):
            answer = await response.json(content_type=None)
        if not isinstance(answer, dict) or not answer.get("ok"):
            raise ValueError(f"getMe answered {response.status}")
        username = answer.get("result", {}).get("username")
        return str(username) if username else None
    except Exception as error:  # the link is a convenience: say why it is missing
        log.info("bot username unknown (%s)", type(error).__name__)
        return None


def start_link(username: str | None, start: str) -> str:
    """`https://t.me/<bot>?start=...` once the bot's username is known, else the command."""
    if username:
        return f"https://t.me/{username}?start={start}"
    return f"/start {start}"


async def bot_link(settings: Settings, start: str) -> str:
    """The deep link (getMe), or the command to send and how to get a link."""
    username = await bot_username(settings)
    if username:
        return start_link(username, start)
    return f"/start {start} (in your bot; set TELEGRAM_BOT_TOKEN for a t.me link)"


async def demo_guide(demo: Any, settings: Settings, base: str) -> str:
    """What to do next with the demo shop."""
    from sauda.demo import OWNER_PHONE

    link = await bot_link(settings, f"shop_{demo.shop.slug}")
    lines = [
        f"Demo shop ready: {demo.shop.name} (id {demo.shop.id}, slug {demo.shop.slug})",
        "",
        f"Owner login (one-time code): POST {base}/api/auth/request-otp "
        f'{{"phone": "{OWNER_PHONE}"}}, then /api/auth/verify-otp',
        f"API key (shown once): {demo.api_key}",
        f"  curl -H 'Authorization: Bearer {demo.api_key}' {base}/api/orders/",
        "Tracking pages:",
        *(f"  {status.value:<12} {base}/tracking/{token}" for status, token in demo.tracking),
        f"Customer bot: {link}",
        f"Become its staff: send /staff to the bot and share the contact of {OWNER_PHONE}",
        "  (the owner); add the bot to a group and send /link_staff_chat for the staff chat.",
        f"Docs: {base}/docs",
    ]
    return "\n".join(lines)


def healthcheck(args: argparse.Namespace, settings: Settings) -> int:
    """Container health: an HTTP health URL answers 200, or a heartbeat file is fresh."""
    import time
    import urllib.request
    from pathlib import Path

    if args.heartbeat:
        path = Path(args.heartbeat)
        if not path.exists():
            print(f"sauda: no heartbeat at {path}", file=sys.stderr)
            return 1
        age = time.time() - path.stat().st_mtime
        if age > args.max_age:
            print(f"sauda: heartbeat {age:.0f} s old", file=sys.stderr)
            return 1
        return 0
    url = args.url or f"http://127.0.0.1:{settings.api_port}/health"
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 (our own URL)
            return 0 if answer.status == 200 else 1
    except OSError as error:
        print(f"sauda: {url}: {error}", file=sys.stderr)
        return 1


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"sauda: {error}", file=sys.stderr)
        return 2
    if args.command == "healthcheck":
        return healthcheck(args, settings)
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if settings.log_level.upper() != "DEBUG":
        # Their INFO lines (a shutdown line per command, every job run) are noise.
        for noisy in ("tortoise", "apscheduler"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    from core.errors import DomainError, ValidationFailed

    try:
        return _run_loop(_run(args, settings))
    except ValidationFailed as error:
        for problem in error.problems:
            print(f"sauda: {'.'.join(map(str, problem.loc))}: {problem.msg}", file=sys.stderr)
        return 1
    except DomainError as error:
        print(f"sauda: {error.detail}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
