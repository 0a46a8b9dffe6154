"""JSON from outside, read within bounds: the one decoder for request bodies, signed
webhook deliveries and JSON written inside string fields.

`loads` accepts strict JSON in UTF-8 and nothing a parser or a later walk could choke
on: nesting deeper than `MAX_DEPTH` arrays/objects, an integer literal longer than
`MAX_INT_DIGITS` digits (Python refuses to convert them), a number too large for a
float, `NaN`/`Infinity` (not JSON). Anything else raises `JsonRejected` (a ValueError)
with a sentence saying why, never RecursionError or an int conversion error.

Depth is bounded twice: the C parser guards its own recursion (a text nested past the
interpreter's limit is refused as too deep, whatever the stack), and the parsed value
is walked without recursion before anyone recursing over it (pydantic, the NUL check)
sees it.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 64
MAX_INT_DIGITS = 4300


class JsonRejected(ValueError):
    """The text is not JSON we accept; `position` is the character offset when known."""

    def __init__(self, reason: str, position: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.position = position


def _parse_int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_INT_DIGITS:
        raise JsonRejected(f"Number too long (more than {MAX_INT_DIGITS} digits)")
    return int(literal)


def _parse_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise JsonRejected("Number out of range")
    return value


def _parse_constant(name: str) -> Any:
    raise JsonRejected(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(
    parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant
)


def _check_depth(value: Any, max_depth: int) -> None:
    """Without recursion: the deepest array/object may be `max_depth` levels down."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > max_depth:
            raise JsonRejected(f"JSON nested too deeply (more than {max_depth} levels)")
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def loads(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    if isinstance(data, bytes | bytearray):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as error:
            raise JsonRejected("Body is not valid UTF-8", error.start) from None
    else:
        text = data
    text = text.removeprefix("\ufeff")
    try:
        value = _DECODER.decode(text)
    except JsonRejected:
        raise
    except json.JSONDecodeError as error:
        raise JsonRejected("JSON decode error", error.pos) from None
    except RecursionError:
        raise JsonRejected(f"JSON nested too deeply (more than {max_depth} levels)") from None
    except ValueError as error:  # an int conversion the hooks did not foresee
        raise JsonRejected(str(error) or "JSON decode error") from None
    if isinstance(value, dict | list):
        _check_depth(value, max_depth)
    return value
