"""URLs we store: only absolute http(s) URLs with a host name, and nothing else.

A stored URL is shown to people (a product's picture in the bot, on pages) or called
(webhooks), so `file:`, `javascript:`, `data:` and relative or malformed references are
refused wherever a URL is written from outside (`WebUrl` in request models, and
core.webhooks' own check, which adds its address rules). One regular expression is
both the check and what the OpenAPI documents declare, so the two cannot disagree.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

MAX_URL_LENGTH = 1000
_PORT = r"(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})"
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ORIGIN = rf"[Hh][Tt][Tt][Pp][Ss]?://{_LABEL}(\.{_LABEL})*(:{_PORT})?"
# What a URL's path, query and fragment may not hold: controls (C0, DEL, C1) and
# whitespace, listed out: `\s` means other characters to Python (U+0085 is one, U+FEFF
# is not) than to a JSON Schema (ECMA) engine, and a document and its check disagreed.
_NOT_IN_URL = r"\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
WEB_URL_PATTERN = rf"^{_ORIGIN}([/?#][^{_NOT_IN_URL}]*)?$"
# A web URL written as a JSON string without escapes (so no quote and no backslash in
# it), for documents that declare a JSON-array-of-URLs text field (crm `images`).
JSON_WEB_URL_PATTERN = rf'"{_ORIGIN}([/?#][^{_NOT_IN_URL}"\\]*)?"'
_WEB_URL = re.compile(WEB_URL_PATTERN)
REFUSAL = "must be an http:// or https:// URL with a host name"


def is_web_url(value: str) -> bool:
    return len(value) <= MAX_URL_LENGTH and _WEB_URL.fullmatch(value) is not None


def web_url(value: str) -> str:
    """The URL itself if it may be stored; ValueError (a 422 in a request model)."""
    if not is_web_url(value):
        raise ValueError(REFUSAL)
    return value


WebUrl = Annotated[
    str,
    Field(
        max_length=MAX_URL_LENGTH,
        json_schema_extra={"pattern": WEB_URL_PATTERN},
        description="An absolute http:// or https:// URL",
    ),
    AfterValidator(web_url),
]
