"""A fake Gemini API (generativelanguage.googleapis.com) on loopback, for the real
`google-genai` client to talk to over HTTP.

Point the deployment at it with `GEMINI_API_BASE=fake.base_url` and any
`GEMINI_API_KEY` (the fake checks the `x-goog-api-key` header against `api_key`).

    fake = await FakeGemini().start()
    fake.reply_call("fetch_order_details", {"order_id": "1024"})   # next answer: a functionCall
    fake.reply_text("Order #1024 is on its way ...")               # then: a text
    fake.reply(lambda body: {...})                                  # computed from the request
    fake.fail(429)                                                  # the next call: quota
    fake.stall(5.0)                                                 # the next call hangs 5 s
    fake.block()                                                    # the next call: SAFETY block
    fake.requests                                                   # every request body, in order
    await fake.close()

It serves `POST /{version}/models/{model}:generateContent` in the REST shape: the
request's `contents` (role + parts: text / functionCall / functionResponse),
`systemInstruction`, `tools[].functionDeclarations`, `generationConfig`; the answer's
`candidates[0].content.parts`, `finishReason`, `usageMetadata` (prompt, candidates and
total token counts) and `modelVersion`. Token counts are computed from the request's
and the answer's characters (4 per token), so usage totals can be checked against
`fake.usage`. With nothing scripted it answers a text saying so. Errors use Google's
JSON (`{"error": {"code", "message", "status"}}`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

API_KEY = "AIza-sauda-test-key"
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}

Script = Callable[[dict[str, Any]], dict[str, Any]]


def tokens_of(value: Any) -> int:
    return max(1, len(json.dumps(value, ensure_ascii=False)) // 4)


@dataclass
class Usage:
    calls: int = 0
    prompt_tokens: int = 0
    candidates_tokens: int = 0

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.candidates_tokens


@dataclass
class RecordedRequest:
    model: str
    version: str
    api_key: str
    body: dict[str, Any]

    @property
    def contents(self) -> list[dict[str, Any]]:
        return list(self.body.get("contents") or [])

    def function_responses(self) -> list[dict[str, Any]]:
        return [
            part["functionResponse"]
            for content in self.contents
            for part in content.get("parts") or []
            if "functionResponse" in part
        ]

    def text(self) -> str:
        """Everything the model was sent, as one string (privacy checks)."""
        return json.dumps(self.body, ensure_ascii=False)


@dataclass
class FakeGemini:
    api_key: str = API_KEY
    requests: list[RecordedRequest] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    _script: list[Script | dict[str, Any]] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    base_url: str = ""

    async def start(self) -> FakeGemini:
        app = web.Application()
        app.router.add_post("/{version}/models/{model_action}", self._generate)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeGemini:
        return await self.start()

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    # --- scripting ---------------------------------------------------------------------

    def reply(self, script: Script) -> None:
        """The next answer is computed from the request body (returns `parts`, or a
        whole `{"status": ...}` / `{"stall": ...}` instruction)."""
        self._script.append(script)

    def reply_text(self, text: str) -> None:
        self._script.append({"parts": [{"text": text}]})

    def reply_json(self, value: Any) -> None:
        self._script.append({"parts": [{"text": json.dumps(value, ensure_ascii=False)}]})

    def reply_call(
        self, name: str, args: dict[str, Any], *more: tuple[str, dict[str, Any]]
    ) -> None:
        calls = [(name, args), *more]
        self._script.append({"parts": [{"functionCall": {"name": n, "args": a}} for n, a in calls]})

    def fail(self, status: int, message: str = "") -> None:
        self._script.append({"status": status, "message": message})

    def stall(self, seconds: float) -> None:
        self._script.append({"stall": seconds})

    def block(self) -> None:
        self._script.append({"blocked": True})

    @property
    def pending(self) -> int:
        return len(self._script)

    # --- the endpoint ------------------------------------------------------------------

    def _error(self, status: int, message: str) -> web.Response:
        return web.json_response(
            {
                "error": {
                    "code": status,
                    "message": message or STATUS_NAMES.get(status, "error"),
                    "status": STATUS_NAMES.get(status, "UNKNOWN"),
                }
            },
            status=status,
        )

    async def _generate(self, request: web.Request) -> web.Response:
        model, _, action = request.match_info["model_action"].partition(":")
        if action != "generateContent":
            return self._error(404, f"unknown action {action!r}")
        key = request.headers.get("x-goog-api-key", "")
        if key != self.api_key:
            return self._error(403, "API key not valid. Please pass a valid API key.")
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return self._error(400, "Invalid JSON payload received.")
        if not isinstance(body, dict) or not body.get("contents"):
            return self._error(400, "* GenerateContentRequest.contents: contents is not specified")
        recorded = RecordedRequest(
            model=model, version=request.match_info["version"], api_key=key, body=body
        )
        self.requests.append(recorded)
        step: Script | dict[str, Any] = (
            self._script.pop(0)
            if self._script
            else {"parts": [{"text": "(fake gemini: nothing scripted)"}]}
        )
        answer = step(body) if callable(step) else step
        if "stall" in answer:
            await asyncio.sleep(float(answer["stall"]))
            answer = {"parts": [{"text": "(too late)"}]}
        if "status" in answer:
            return self._error(int(answer["status"]), str(answer.get("message") or ""))
        prompt = tokens_of(body.get("contents")) + tokens_of(body.get("systemInstruction") or "")
        if answer.get("blocked"):
            self.usage.calls += 1
            self.usage.prompt_tokens += prompt
            return web.json_response(
                {
                    "promptFeedback": {"blockReason": "SAFETY"},
                    "usageMetadata": {"promptTokenCount": prompt, "totalTokenCount": prompt},
                    "modelVersion": model,
                }
            )
        parts = answer["parts"]
        candidates = tokens_of(parts)
        self.usage.calls += 1
        self.usage.prompt_tokens += prompt
        self.usage.candidates_tokens += candidates
        return web.json_response(
            {
                "candidates": [
                    {
                        "content": {"role": "model", "parts": parts},
                        "finishReason": "STOP",
                        "index": 0,
                    }
                ],
                "usageMetadata": {
                    "promptTokenCount": prompt,
                    "candidatesTokenCount": candidates,
                    "totalTokenCount": prompt + candidates,
                },
                "modelVersion": model,
                "responseId": f"fake-{len(self.requests)}",
            }
        )
