"""`GeminiModel`: core's LanguageModel port on the real `google-genai` async client.

The base URL is a setting (`GEMINI_API_BASE`, the SDK's `http_options.base_url`), so
tests point the real client at a fake server on loopback. The SDK's own retries are
off (one attempt, a timeout per call): a failed call falls back to the offline
assistant at once instead of keeping a customer waiting. Errors become
`ModelUnavailable`: 429 `rate_limited`, a timeout `timeout`, 5xx `server_error`, a
safety block or an empty answer `blocked`, anything else `error`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp
from google import genai
from google.genai import errors, types

from core.ports.assistant import ModelTurn, ModelUnavailable, ToolCall, ToolSpec

API_VERSION = "v1beta"
BLOCKING_FINISH = {"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION"}


class GeminiModel:
    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        base_url: str = "",
        timeout_seconds: float = 20.0,
    ) -> None:
        self._model = model
        self._api_key = api_key
        self._base_url = base_url
        self._timeout = timeout_seconds
        self._session: aiohttp.ClientSession | None = None
        self._client: genai.Client | None = None

    @property
    def name(self) -> str:
        return self._model

    def _client_now(self) -> genai.Client:
        """The SDK client on our own aiohttp session, made in the running loop (the
        SDK's own session class subclasses aiohttp's, which aiohttp deprecates)."""
        if self._session is None or self._session.closed or self._client is None:
            self._session = aiohttp.ClientSession()
            options = types.HttpOptions(
                base_url=self._base_url or None,
                api_version=API_VERSION,
                timeout=int(self._timeout * 1000),
                retry_options=types.HttpRetryOptions(attempts=1),
                aiohttp_client=self._session,
            )
            self._client = genai.Client(api_key=self._api_key, http_options=options)
        return self._client

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        self._client = None

    def _config(
        self, system: str, tools: Sequence[ToolSpec], schema: Mapping[str, Any] | None
    ) -> types.GenerateContentConfig:
        declarations = [
            types.FunctionDeclaration(
                name=tool.name,
                description=tool.description,
                parameters_json_schema=dict(tool.parameters),
            )
            for tool in tools
        ]
        return types.GenerateContentConfig(
            system_instruction=system or None,
            tools=[types.Tool(function_declarations=declarations)] if declarations else None,
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
            response_mime_type="application/json" if schema is not None else None,
            response_json_schema=dict(schema) if schema is not None else None,
        )

    async def generate(
        self,
        *,
        system: str,
        contents: Sequence[Mapping[str, Any]],
        tools: Sequence[ToolSpec] = (),
        response_schema: Mapping[str, Any] | None = None,
    ) -> ModelTurn:
        """One generateContent call; raises ModelUnavailable when there is no answer."""
        request = [types.Content.model_validate(dict(content)) for content in contents]
        try:
            response = await asyncio.wait_for(
                self._client_now().aio.models.generate_content(
                    model=self._model,
                    contents=request,  # type: ignore[arg-type]
                    config=self._config(system, tools, response_schema),
                ),
                # The SDK's timeout covers the HTTP call; this one the whole call.
                timeout=self._timeout + 1,
            )
        except errors.APIError as error:
            code = int(error.code or 0)
            reason = "rate_limited" if code == 429 else "server_error" if code >= 500 else "error"
            raise ModelUnavailable(reason, f"{code} {error.status or ''}".strip()) from error
        except TimeoutError as error:
            raise ModelUnavailable("timeout", f"no answer in {self._timeout:g} s") from error
        except aiohttp.ClientError as error:
            raise ModelUnavailable("error", type(error).__name__) from error
        except ValueError as error:
            # An answer the SDK cannot read (pydantic's ValidationError is a ValueError).
            raise ModelUnavailable("error", type(error).__name__) from error
        return _turn(response)


def _turn(response: types.GenerateContentResponse) -> ModelTurn:
    meta = response.usage_metadata
    tokens_in = int(meta.prompt_token_count or 0) if meta else 0
    tokens_out = int(meta.candidates_token_count or 0) if meta else 0
    candidate = response.candidates[0] if response.candidates else None
    finish = str(candidate.finish_reason.value) if candidate and candidate.finish_reason else ""
    feedback = response.prompt_feedback
    if (
        candidate is None
        or candidate.content is None
        or (feedback is not None and feedback.block_reason)
        or finish in BLOCKING_FINISH
    ):
        failure = ModelUnavailable("blocked", finish or "no candidate")
        failure.tokens_in, failure.tokens_out = tokens_in, tokens_out
        raise failure
    parts = candidate.content.parts or []
    calls = [
        ToolCall(name=str(part.function_call.name), args=dict(part.function_call.args or {}))
        for part in parts
        if part.function_call is not None and part.function_call.name
    ]
    text = "".join(part.text for part in parts if part.text and not part.thought)
    if not calls and not text.strip():
        failure = ModelUnavailable("blocked", "empty answer")
        failure.tokens_in, failure.tokens_out = tokens_in, tokens_out
        raise failure
    return ModelTurn(
        text=text,
        calls=calls,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        content=candidate.content.model_dump(mode="json", exclude_none=True, by_alias=True),
    )
