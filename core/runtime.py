"""The process's shared services, built once by the composition root (sauda.wiring)
and handed to every transport. Tests build the same thing with their own edges."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.assistant.service import AssistantService
from core.auth.oidc import OidcVerifier
from core.auth.otp import OtpService
from core.auth.service import TokenIssuer
from core.clock import Clock
from core.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    kv: Any
    clock: Clock
    otp: OtpService
    issuer: TokenIssuer
    # Gemini when GEMINI_API_KEY is set (sauda.wiring), the offline assistant otherwise.
    assistant: AssistantService = field(default_factory=AssistantService)
    # A firm's OpenID Connect sign-in when OIDC_* are set (the consult contract).
    oidc: OidcVerifier | None = None
    # Filled by the transports that are switched on (the bot's sender, ...).
    extras: dict[str, Any] = field(default_factory=dict)
