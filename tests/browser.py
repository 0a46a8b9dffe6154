"""Headless Chromium for page tests (Debian's /usr/bin/chromium driven by Playwright;
no browser is ever downloaded). The network is off: any request that is not to
loopback is aborted and recorded, so a page that needs the internet fails its test."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> None:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("SAUDA_REQUIRE_SERVICES") == "1":
            pytest.fail("headless Chromium is required (apt-get install chromium)", pytrace=False)
        pytest.skip("Chromium is not installed (make chromium)")


@asynccontextmanager
async def offline_page(**context_options: Any) -> AsyncIterator[tuple[Any, list[str]]]:
    """A page whose only network is loopback; yields (page, blocked request URLs)."""
    require_chromium()
    from playwright.async_api import async_playwright

    blocked: list[str] = []

    async def only_loopback(route: Any) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if host in ("127.0.0.1", "localhost", "::1"):
            await route.continue_()
        else:
            blocked.append(route.request.url)
            await route.abort()

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = await browser.new_context(**context_options)
            await context.route("**/*", only_loopback)
            page = await context.new_page()
            yield page, blocked
        finally:
            await browser.close()
