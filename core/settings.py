"""Settings, read once from the environment and `.env` (see `.env.example`).

`load_settings()` turns any invalid value into a `SettingsError` whose message is one
line naming the setting, so start-up stops with something a person can act on.
"""

from __future__ import annotations

import json
import re
import secrets
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(Exception):
    """A setting is missing or invalid; the message names it."""


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class OtpDelivery(StrEnum):
    TELEGRAM = "telegram"
    DEBUG = "debug"


class Settings(BaseSettings):
    # An empty value (`CONTRACT_PREFIXES=` as .env.example writes it) means the default.
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", frozen=True, env_ignore_empty=True
    )

    env: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path("var")
    database_url: str = ""
    redis_url: str = ""
    jwt_secret: str = ""
    # Key that seals integration secrets at rest (core.vault); generated in DATA_DIR in
    # development, required in production.
    secrets_key: str = ""
    jwt_ttl_seconds: int = Field(default=24 * 3600, gt=0)
    host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    crm_port: int = Field(default=8011, ge=1, le=65535)
    consult_port: int = Field(default=7070, ge=1, le=65535)
    # JSON object: contract name -> path prefix on the API port, e.g. {"crm": "/crm"}.
    # A contract named here is served under that prefix instead of on its own port.
    contract_prefixes: dict[str, str] = Field(default_factory=dict)
    otp_delivery: OtpDelivery | None = None
    telegram_bot_token: str = ""
    telegram_api_base: str = "https://api.telegram.org"
    telegram_webhook_url: str = ""
    telegram_webhook_secret: str = ""
    # OpenID Connect (the consult contract, core.auth.oidc): access tokens of a firm's own
    # sign-in, issued by OIDC_ISSUER for OIDC_AUDIENCE and signed with a key of
    # OIDC_JWKS_URL, act for the shop OIDC_SHOP (id or slug). All four, or none.
    oidc_issuer: str = ""
    oidc_jwks_url: str = ""
    oidc_audience: str = ""
    oidc_shop: str = ""
    # WhatsApp Cloud API (bot.whatsapp, integrations.whatsapp). The Graph API base URL and
    # version; the app secret Meta signs webhook deliveries with (X-Hub-Signature-256; no
    # secret = the webhook refuses every delivery); the verify token of Meta's GET
    # handshake; the deployment's default number (token + phone number id), which serves
    # its first shop. More numbers: `sauda whatsapp connect`.
    whatsapp_api_base: str = "https://graph.facebook.com"
    whatsapp_api_version: str = "v23.0"
    whatsapp_app_secret: str = ""
    whatsapp_verify_token: str = ""
    whatsapp_token: str = ""
    whatsapp_phone_number_id: str = ""
    # Shopify Admin API (integrations.shopify): where a store's API lives (`{shop}` is its
    # myshopify domain; the tests point it at a fake on loopback) and the API version.
    shopify_admin_url: str = "https://{shop}"
    shopify_api_version: str = "2024-10"
    # The AI assistant (core.assistant): Gemini through google-genai when a key is set,
    # the built-in offline assistant otherwise. GEMINI_API_BASE is the SDK's base URL
    # (empty: Google's); a call that takes longer than the timeout falls back to offline.
    gemini_api_key: str = ""
    gemini_model: str = "gemini-2.5-flash"
    gemini_api_base: str = ""
    gemini_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    # Rate limits of the commerce contract, per user and minute (seed 002).
    commerce_auth_per_minute: int = Field(default=5, gt=0)
    commerce_ai_per_minute: int = Field(default=60, gt=0)
    commerce_per_minute: int = Field(default=100, gt=0)
    # The shop chat answers WhatsApp customers by itself (bot.whatsapp.dialogue: menu,
    # catalog, checkout, reorder, bouquet approval); off, messages only reach the inbox
    # and staff answer them by hand.
    whatsapp_dialogue: bool = True
    public_base_url: str = ""
    allow_private_webhooks: bool = False
    rate_limit_per_hour: int = Field(default=1000, gt=0)
    otp_requests_per_minute: int = Field(default=3, gt=0)
    # How long what a request learnt about its user (active, roles by shop) is cached in
    # the key-value store; changes invalidate it at once (core.auth.access). Unset: 30
    # with Redis, 0 (no cache) with the in-process store.
    auth_cache_seconds: int | None = Field(default=None, ge=0, le=300)
    log_level: str = "INFO"
    # A file `sauda serve` touches every 15 s while the database and the store answer;
    # `sauda healthcheck --heartbeat FILE` checks its age (empty: no heartbeat).
    heartbeat_file: Path | None = None

    @field_validator("otp_delivery", "auth_cache_seconds", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        # `.env.example` leaves optional settings empty (`OTP_DELIVERY=`).
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value and not value.startswith(("sqlite://", "postgres://", "postgresql://")):
            raise ValueError("must start with sqlite://, postgres:// or postgresql://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _known_redis(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be empty (in-process store) or a redis:// URL")
        return value

    @field_validator("contract_prefixes", mode="before")
    @classmethod
    def _prefixes(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = json.loads(value) if value.strip() else {}
        known = {"shop", "crm", "commerce", "consult", "erp"}
        for name, prefix in dict(value).items():
            if name not in known:
                raise ValueError(f"unknown contract {name!r}; known: {', '.join(sorted(known))}")
            if not str(prefix).startswith("/") or str(prefix) == "/":
                raise ValueError(f"prefix for {name!r} must start with '/' and not be '/'")
        return value

    @field_validator("whatsapp_api_base")
    @classmethod
    def _graph_base(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL such as https://graph.facebook.com")
        return value.rstrip("/")

    @field_validator("whatsapp_api_version")
    @classmethod
    def _graph_version(cls, value: str) -> str:
        if not re.fullmatch(r"v\d+\.\d+", value):
            raise ValueError("must look like v23.0")
        return value

    @field_validator("whatsapp_phone_number_id")
    @classmethod
    def _phone_number_id(cls, value: str) -> str:
        if value and not value.isdigit():
            raise ValueError("must be the number's id from Meta (digits), not the phone number")
        return value

    @model_validator(mode="after")
    def _production_rules(self) -> Settings:
        if self.env is Environment.PRODUCTION:
            if not self.jwt_secret:
                raise ValueError("JWT_SECRET: required when ENV=production")
            if self.otp_delivery is OtpDelivery.DEBUG:
                raise ValueError("OTP_DELIVERY: 'debug' is refused when ENV=production")
            if not self.secrets_key:
                raise ValueError("SECRETS_KEY: required when ENV=production")
        if self.jwt_secret and len(self.jwt_secret) < 32:
            raise ValueError("JWT_SECRET: must be at least 32 characters")
        if self.secrets_key and len(self.secrets_key) < 32:
            raise ValueError("SECRETS_KEY: must be at least 32 characters")
        if bool(self.whatsapp_token) != bool(self.whatsapp_phone_number_id):
            raise ValueError(
                "WHATSAPP_TOKEN: WHATSAPP_TOKEN and WHATSAPP_PHONE_NUMBER_ID go together"
            )
        if self.is_production and self.whatsapp_token and not self.whatsapp_app_secret:
            raise ValueError(
                "WHATSAPP_APP_SECRET: required when ENV=production and a WhatsApp number is set"
            )
        if self.telegram_webhook_url and not self.telegram_webhook_secret:
            raise ValueError("TELEGRAM_WEBHOOK_SECRET: required when TELEGRAM_WEBHOOK_URL is set")
        oidc = {
            "OIDC_ISSUER": self.oidc_issuer,
            "OIDC_JWKS_URL": self.oidc_jwks_url,
            "OIDC_AUDIENCE": self.oidc_audience,
            "OIDC_SHOP": self.oidc_shop,
        }
        missing = [name for name, value in oidc.items() if not value]
        if missing and len(missing) < len(oidc):
            raise ValueError(
                f"{missing[0]}: OIDC_ISSUER, OIDC_JWKS_URL, OIDC_AUDIENCE and OIDC_SHOP go together"
            )
        if self.oidc_jwks_url and not self.oidc_jwks_url.startswith(("https://", "http://")):
            raise ValueError("OIDC_JWKS_URL: must be an http(s) URL")
        return self

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite://{self.data_dir / 'sauda.sqlite3'}"

    @property
    def effective_otp_delivery(self) -> OtpDelivery:
        if self.otp_delivery is not None:
            return self.otp_delivery
        if self.env is Environment.DEVELOPMENT and not self.telegram_bot_token:
            return OtpDelivery.DEBUG
        return OtpDelivery.TELEGRAM

    @property
    def effective_auth_cache_seconds(self) -> int:
        if self.auth_cache_seconds is not None:
            return self.auth_cache_seconds
        return 30 if self.redis_url else 0

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION


def _one_line(error: ValidationError) -> str:
    first = error.errors()[0]
    name = ".".join(str(part) for part in first["loc"]).upper()
    message = str(first["msg"]).removeprefix("Value error, ")
    if not name:
        return f"Invalid setting {message}"
    return f"Invalid setting {name}: {message} (got {first.get('input')!r})"


def load_settings(**overrides: Any) -> Settings:
    """Read settings; a bad value raises SettingsError with one line naming the setting.

    In development an unset JWT_SECRET or SECRETS_KEY is generated once and kept in
    DATA_DIR.
    """
    try:
        settings = Settings(**overrides)
    except ValidationError as error:
        raise SettingsError(_one_line(error)) from None
    except (json.JSONDecodeError, ValueError) as error:
        raise SettingsError(f"Invalid setting: {error}") from None
    if not settings.jwt_secret:
        settings = settings.model_copy(
            update={"jwt_secret": _development_secret(settings, "jwt_secret")}
        )
    if not settings.secrets_key:
        settings = settings.model_copy(
            update={"secrets_key": _development_secret(settings, "secrets_key")}
        )
    return settings


def _development_secret(settings: Settings, name: str) -> str:
    path = settings.data_dir / name
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if path.exists():
            return path.read_text().strip()
        secret = secrets.token_urlsafe(48)
        path.write_text(secret)
        path.chmod(0o600)
        return secret
    except OSError as error:
        raise SettingsError(
            f"Invalid setting DATA_DIR: cannot keep {name} there ({error})"
        ) from None
