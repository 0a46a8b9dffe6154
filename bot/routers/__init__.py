"""The bot's routers, assembled fresh for every Dispatcher.

Each module named in ROUTER_MODULES defines `create_router() -> aiogram.Router` and
builds a new Router on every call (an aiogram Router can have one parent only, and a
restart builds a second Dispatcher in the same process). A module that does not exist
yet is skipped, so the staff and courier sides plug in by just adding their module.

Order matters: staff and courier routers come first (their commands and group-chat
handlers win); the customer router comes last and answers /start, /cancel, /language,
the menus and the checkout states. The customer router leaves alone a shared contact
outside any state (that is the staff contact link) and everything in group chats.
"""

from __future__ import annotations

import importlib

from aiogram import Router

ROUTER_MODULES = (
    "bot.routers.staff",
    "bot.routers.courier",
    "bot.routers.staff_tasks",
    "bot.ai_drafts",
    "bot.routers.consultation",
    "bot.routers.customer",
)


def build_root_router() -> Router:
    root = Router(name="sauda")
    for name in ROUTER_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        root.include_router(module.create_router())
    return root
