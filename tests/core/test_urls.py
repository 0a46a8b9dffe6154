"""Only http(s) URLs are stored: pictures (core.urls) and webhooks (core.webhooks,
which refuses other schemes even where private addresses are allowed)."""

from __future__ import annotations

import re

import pytest

from core.errors import ValidationFailed
from core.urls import WEB_URL_PATTERN, is_web_url
from core.webhooks import check_url

REFUSED = [
    "file:///etc/passwd",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "http://",
    "http://exa_mple.com/",
    "http://example.com/\n",
    "http://example.com:0/",
    "https://example.com:65536/",
    "https:/example.com",
    "https://example.com/" + "a" * 1000,
]


@pytest.mark.parametrize("url", REFUSED)
def test_refused(url: str) -> None:
    assert not is_web_url(url)


@pytest.mark.parametrize(
    "url",
    ["http://a.kz", "https://cdn.example.kz:65535/a b?c#d".replace(" ", "%20"), "HTTP://X.KZ/"],
)
def test_accepted(url: str) -> None:
    assert is_web_url(url)


def test_the_declared_pattern_is_the_check() -> None:
    """The OpenAPI pattern is the one the check runs (the length is a maxLength)."""
    for url in REFUSED[:-1]:
        assert re.fullmatch(WEB_URL_PATTERN, url) is None, url
    assert re.fullmatch(WEB_URL_PATTERN, "https://example.com/x") is not None


@pytest.mark.parametrize("url", ["file:///etc/passwd", "javascript:alert(1)", "gopher://a.kz/"])
async def test_webhooks_refuse_other_schemes_even_with_private_allowed(url: str) -> None:
    with pytest.raises(ValidationFailed):
        await check_url(url, allow_private=True)
