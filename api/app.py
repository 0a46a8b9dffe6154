"""The aiohttp applications: one per port, each holding the contracts served there.

By default every contract keeps the port its document names (shop, commerce and erp on
API_PORT; crm on CRM_PORT; consult on CONSULT_PORT). CONTRACT_PREFIXES moves a contract
onto API_PORT under a path prefix instead, e.g. {"crm": "/crm"} serves crm's
/api/clients/ at /crm/api/clients/.
"""

from __future__ import annotations

import importlib
import logging
import secrets
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from aiohttp import web

from api.errors import error_middleware
from api.health import setup_health
from api.keys import QUOTA, REQUEST_ID, RUNTIME
from api.openapi import STATIC_DIR, PortDocument, build_document, setup_docs
from api.routing import Contract
from core.runtime import Runtime

log = logging.getLogger(__name__)

# Contract name -> (module holding `contract`, the settings attribute of its home port).
CONTRACT_MODULES: dict[str, tuple[str, str]] = {
    "shop": ("api.shop", "api_port"),
    "crm": ("api.crm", "crm_port"),
    "commerce": ("api.commerce", "api_port"),
    "consult": ("api.consult", "consult_port"),
    "erp": ("api.erp", "api_port"),
    "channels": ("api.channels", "api_port"),
}

PORT_TITLES = {
    "api_port": "Sauda API",
    "crm_port": "CRM for Florists API",
    "consult_port": "Sauda consultations API",
}


def load_contracts() -> dict[str, Contract]:
    """Every contract whose module exists (contracts land one issue at a time)."""
    found: dict[str, Contract] = {}
    for name, (module_name, _) in CONTRACT_MODULES.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue
        found[name] = module.contract
    return found


@web.middleware
async def request_id_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    incoming = request.headers.get("X-Request-ID", "")
    request_id = (
        incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else secrets.token_hex(8)
    )
    request[REQUEST_ID] = request_id
    response = await handler(request)
    response.headers["X-Request-ID"] = request_id
    quota = request.get(QUOTA)
    if quota is not None:
        response.headers["X-RateLimit-Limit"] = str(quota.limit)
        response.headers["X-RateLimit-Remaining"] = str(max(0, quota.remaining))
        response.headers["X-RateLimit-Reset"] = str(quota.reset_at)
    return response


def create_root_app(
    runtime: Runtime, mounts: list[tuple[str, Contract]], *, title: str
) -> web.Application:
    """One port's application: middlewares, health, docs, and the mounted contracts."""
    app = web.Application(
        middlewares=[request_id_middleware, error_middleware], client_max_size=11 * 1024 * 1024
    )
    app[RUNTIME] = runtime
    root_gets = {
        prefix + e.path for prefix, c in mounts for e in c.endpoints if e.root and e.method == "GET"
    }
    setup_health(app, claimed=root_gets)
    grouped: dict[str, list[Contract]] = defaultdict(list)
    for prefix, contract in mounts:
        contract.add_root_routes(app, prefix)
        grouped[prefix + contract.mount].append(contract)
    for mount, contracts in grouped.items():
        sub = web.Application()
        for contract in contracts:
            contract.add_mounted_routes(sub)
        app.add_subapp(mount, sub)
    version = ", ".join(f"{c.name} {c.version}" for _, c in mounts) or "0"
    setup_docs(
        app,
        PortDocument(lambda: build_document(mounts, title=title, version=version), title=title),
    )
    # The demo shop's pictures (sauda demo), so its pages and cards load offline.
    app.router.add_static("/static/demo/", STATIC_DIR / "demo")
    for hook in runtime.extras.get("app_hooks", []):
        hook(app)
    return app


def create_apps(
    runtime: Runtime, *, contracts: dict[str, Contract] | None = None
) -> dict[int, web.Application]:
    """Port -> application, for every port that serves something."""
    settings = runtime.settings
    contracts = load_contracts() if contracts is None else contracts
    by_port: dict[str, list[tuple[str, Contract]]] = defaultdict(list)
    for name, contract in contracts.items():
        prefix = settings.contract_prefixes.get(name)
        if prefix is not None:
            by_port["api_port"].append((prefix.rstrip("/"), contract))
        else:
            by_port[CONTRACT_MODULES[name][1]].append(("", contract))
    by_port.setdefault("api_port", [])
    apps: dict[int, web.Application] = {}
    for port_attr, mounts in by_port.items():
        port = getattr(settings, port_attr)
        apps[port] = create_root_app(runtime, mounts, title=PORT_TITLES[port_attr])
    return apps


AppFactory = Callable[[Runtime], dict[int, web.Application]]
