"""Every text is translated: each gettext catalogue (any domain) under locales/ exists in
ru, kk, uz and en, and every message id has a translation in all four, with the same
{placeholders}. Texts marked in the code (babel.cfg) must be in messages.po."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from core.i18n import LANGUAGES, LOCALES_DIR

ROOT = Path(__file__).resolve().parent.parent
DOMAINS = sorted({po.stem for po in LOCALES_DIR.glob("*/LC_MESSAGES/*.po")})
PLACEHOLDER = re.compile(r"\{(\w*)(?:[:!][^}]*)?\}")


def catalogue(language: str, domain: str) -> list[tuple[str, str, bool]]:
    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{domain}.po"
    with path.open("rb") as source:
        catalog = read_po(source, locale=language)
    return [(str(m.id), str(m.string or ""), m.fuzzy) for m in catalog if m.id]


def test_the_bot_catalogue_exists() -> None:
    assert "messages" in DOMAINS


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_domain_exists_in_every_language(domain: str) -> None:
    missing = [
        lang
        for lang in LANGUAGES
        if not (LOCALES_DIR / lang / "LC_MESSAGES" / f"{domain}.po").exists()
    ]
    assert not missing, f"{domain}.po is missing for {missing}"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_id_is_translated(domain: str, language: str) -> None:
    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{domain}.po"
    if not path.exists():
        pytest.fail(f"{path} is missing")
    untranslated = [mid for mid, text, fuzzy in catalogue(language, domain) if not text or fuzzy]
    assert not untranslated, f"{language}/{domain}.po lacks translations for {untranslated}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_language_has_the_same_message_ids(domain: str) -> None:
    present = [
        lang for lang in LANGUAGES if (LOCALES_DIR / lang / "LC_MESSAGES" / f"{domain}.po").exists()
    ]
    ids = {lang: {mid for mid, _, _ in catalogue(lang, domain)} for lang in present}
    union = set().union(*ids.values())
    for lang, found in ids.items():
        assert not union - found, f"{lang}/{domain}.po lacks {sorted(union - found)}"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(domain: str, language: str) -> None:
    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{domain}.po"
    if not path.exists():
        pytest.skip("reported by test_every_domain_exists_in_every_language")
    wrong = [
        (mid, text)
        for mid, text, _ in catalogue(language, domain)
        if text and set(PLACEHOLDER.findall(mid)) != set(PLACEHOLDER.findall(text))
    ]
    assert not wrong, f"{language}/{domain}.po changes placeholders: {wrong}"


def test_texts_marked_in_the_code_are_in_the_bot_catalogue() -> None:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    marked = {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=DEFAULT_KEYWORDS
        )
    }
    known = {mid for mid, _, _ in catalogue("ru", "messages")}
    missing = sorted(marked - known)
    assert not missing, (
        f"texts missing from messages.po (run pybabel extract/update, see babel.cfg): {missing}"
    )
