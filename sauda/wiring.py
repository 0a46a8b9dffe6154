"""Builds the process: the runtime every transport shares, the outbox deliverers, the
event subscribers. `sauda serve` and the tests call the same factories and replace
only the edges (database URL, Bot API base URL, clock, outside services)."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from core.assistant.service import AssistantService
from core.auth import access
from core.auth.oidc import OidcSettings, OidcVerifier
from core.auth.otp import OtpPolicy, OtpService
from core.auth.service import TokenIssuer
from core.clock import Clock, SystemClock
from core.kv import create_kv
from core.outbox import Deliverer, OutboxWorker
from core.runtime import Runtime
from core.settings import Settings

log = logging.getLogger(__name__)

# Modules that plug into the process: each may define `register(runtime)` to subscribe
# to domain events and `deliverers(runtime) -> {topic: deliverer}` for the outbox.
PLUGINS = (
    "core.tracking",
    "api.webhooks_out",
    "bot.subscribers",
    "scheduler.jobs",
    "api.photos",
    "bot.whatsapp.deliver",
    "bot.whatsapp.dialogue",
    "integrations.shopify.jobs",
    "integrations.consult_sync",
)


def build_runtime(settings: Settings, *, clock: Clock | None = None, kv: Any = None) -> Runtime:
    clock = clock or SystemClock()
    kv = kv if kv is not None else create_kv(settings.redis_url)
    access.configure(kv=kv, cache_seconds=settings.effective_auth_cache_seconds)
    otp = OtpService(kv, clock, OtpPolicy(requests_per_minute=settings.otp_requests_per_minute))
    issuer = TokenIssuer(
        secret=settings.jwt_secret, ttl_seconds=settings.jwt_ttl_seconds, clock=clock
    )
    runtime = Runtime(
        settings=settings,
        kv=kv,
        clock=clock,
        otp=otp,
        issuer=issuer,
        assistant=build_assistant(settings, clock),
        oidc=build_oidc(settings),
    )
    for module in _plugins():
        register = getattr(module, "register", None)
        if register is not None:
            register(runtime)
    return runtime


def build_oidc(settings: Settings) -> OidcVerifier | None:
    """The firm's OpenID Connect sign-in, when OIDC_* are set."""
    if not settings.oidc_issuer:
        return None
    return OidcVerifier(
        OidcSettings(
            issuer=settings.oidc_issuer,
            jwks_url=settings.oidc_jwks_url,
            audience=settings.oidc_audience,
            shop=settings.oidc_shop,
        )
    )


def build_assistant(settings: Settings, clock: Clock) -> AssistantService:
    """Gemini (google-genai) when GEMINI_API_KEY is set, else the offline assistant."""
    if not settings.gemini_api_key:
        return AssistantService(clock=clock)
    model = GeminiOnFirstCall(
        api_key=settings.gemini_api_key,
        model=settings.gemini_model,
        base_url=settings.gemini_api_base,
        timeout_seconds=settings.gemini_timeout_seconds,
    )
    return AssistantService(model=model, clock=clock)


class GeminiOnFirstCall:
    """integrations.gemini's model, imported on its first call: a process whose
    assistant is never asked (most API requests, the scheduler) never loads google-genai."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._model: Any = None

    @property
    def name(self) -> str:
        return str(self._options["model"])

    async def generate(self, **request: Any) -> Any:
        if self._model is None:
            from integrations.gemini.client import GeminiModel

            self._model = GeminiModel(**self._options)
        return await self._model.generate(**request)

    async def aclose(self) -> None:
        if self._model is not None:
            await self._model.aclose()


def _plugins() -> list[Any]:
    modules = []
    for name in PLUGINS:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
    return modules


def build_outbox_worker(runtime: Runtime) -> OutboxWorker:
    deliverers: dict[str, Deliverer] = {}
    for module in _plugins():
        factory = getattr(module, "deliverers", None)
        if factory is not None:
            deliverers.update(factory(runtime))
    return OutboxWorker(deliverers, clock=runtime.clock)
