"""The bounded JSON reader: the limits sit exactly where documented."""

from __future__ import annotations

import pytest

from core import jsontext


def test_depth_limit_is_exact() -> None:
    assert jsontext.loads("[" * 64 + "]" * 64) is not None
    assert jsontext.loads('{"a":' * 64 + "1" + "}" * 64) is not None
    for text in ("[" * 65 + "]" * 65, '{"a":' * 65 + "1" + "}" * 65, "[" * 100_000):
        with pytest.raises(jsontext.JsonRejected, match="nested too deeply"):
            jsontext.loads(text)


def test_numbers_and_constants() -> None:
    assert jsontext.loads("-" + "9" * 4300) == -int("9" * 4300)
    with pytest.raises(jsontext.JsonRejected, match="Number too long"):
        jsontext.loads("9" * 4301)
    with pytest.raises(jsontext.JsonRejected, match="out of range"):
        jsontext.loads("1e999")
    for constant in ("NaN", "Infinity", "-Infinity"):
        with pytest.raises(jsontext.JsonRejected, match="not valid JSON"):
            jsontext.loads(f"[{constant}]")


def test_text_must_be_utf8_json() -> None:
    assert jsontext.loads('{"a": "\u0430"}'.encode()) == {"a": "\u0430"}
    assert jsontext.loads(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
    with pytest.raises(jsontext.JsonRejected, match="UTF-8") as error:
        jsontext.loads(b'{"a": "\xff"}')
    assert error.value.position == 7
    with pytest.raises(jsontext.JsonRejected, match="UTF-8"):
        jsontext.loads('{"a": 1}'.encode("utf-16"))
    with pytest.raises(jsontext.JsonRejected, match="decode error") as error:
        jsontext.loads(b'{"a": }')
    assert error.value.position == 6
