"""/docs and /redoc render in headless Chromium with the network off."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from tests.browser import offline_page

pytestmark = pytest.mark.chromium


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
async def test_swagger_ui_renders_offline(api: TestClient, tmp_path) -> None:
    url = str(api.make_url("/docs"))
    async with offline_page() as (page, blocked):
        await page.goto(url)
        await page.wait_for_selector(".swagger-ui .info .title", timeout=20000)
        title = await page.inner_text(".swagger-ui .info .title")
        assert "Sauda API" in title
        await page.wait_for_selector(".opblock", timeout=20000)
        shot = tmp_path / "docs.png"
        await page.screenshot(path=str(shot), full_page=False)
        assert shot.stat().st_size > 10_000
        assert blocked == []


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
async def test_redoc_renders_offline(api: TestClient) -> None:
    url = str(api.make_url("/redoc"))
    async with offline_page() as (page, blocked):
        await page.goto(url)
        await page.wait_for_selector("h1", timeout=20000)
        assert "Sauda API" in await page.inner_text("h1")
        assert blocked == []
