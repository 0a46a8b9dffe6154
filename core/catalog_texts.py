"""A product's name and description in the reader's language.

The base fields (`Product.name`, `description`) are written in the shop's own language;
`Product.translations` holds the others, `{"kk": {"name": ..., "description": ...}}`,
for the four languages of core.i18n. `product_text` is the one reader: the reader's
language, else the shop's (`Shop.locale`), else the base fields, field by field (a
Kazakh name without a Kazakh description shows the shop's description).

Writing: every contract that manages products takes an optional `translations` object
(`TranslationsIn`: the request model, so each contract reports a wrong language or a
too long text in its own error shape) and core checks the same rules again
(`checked_translations`) for callers without a request model, such as the staff bot.
A write merges by language: a language given with texts replaces that language's
texts, a language given as null removes it, the others stay.

Orders: an order item keeps `product_name` (the base name, what staff and the
contracts read) and `product_names`, the translated names at the time of the order
(`names_snapshot`); `item_name` reads an item in a language, so a past order reads as
it was sold even after the product is renamed or deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from core.errors import FieldProblem, ValidationFailed
from core.i18n import LANGUAGES

NAME_MAX = 300
DESCRIPTION_MAX = 5000

Language = Literal["ru", "kk", "uz", "en"]


class ProductTranslation(BaseModel):
    """A product's name and (optional) description in one language."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=NAME_MAX, pattern=r"\S")
    description: str | None = Field(None, max_length=DESCRIPTION_MAX)


class TranslationsIn(BaseModel):
    """Names and descriptions by language (ru, kk, uz, en): a language given replaces
    its texts, null removes them, a language left out keeps what it had."""

    model_config = ConfigDict(extra="forbid")

    ru: ProductTranslation | None = None
    kk: ProductTranslation | None = None
    uz: ProductTranslation | None = None
    en: ProductTranslation | None = None

    def to_core(self) -> dict[str, dict[str, Any] | None]:
        return {
            language: (None if text is None else text.model_dump())
            for language, text in ((name, getattr(self, name)) for name in self.model_fields_set)
        }


# What a product reads back: only the languages that have texts.
TranslationsOut = dict[Language, ProductTranslation]


def translations_field() -> Any:
    """A product response's `translations`: the key is there only when it has some, so a
    product without any reads exactly as the contract's document shows it."""
    return Field(
        None,
        description=(
            "Extension: the name and description by language (ru, kk, uz, en); "
            "present when the product has any"
        ),
        exclude_if=lambda value: not value,
    )


def translations_out(product: Any) -> TranslationsOut | None:
    """The product's translations for a response (None when it has none)."""
    stored = product.translations or {}
    found = {
        language: ProductTranslation(
            name=str(stored[language]["name"]), description=stored[language].get("description")
        )
        for language in LANGUAGES
        if isinstance(stored.get(language), Mapping) and stored[language].get("name")
    }
    return cast(TranslationsOut, found) or None


def checked_translations(
    value: Any, loc: tuple[str | int, ...] = ("translations",)
) -> dict[str, dict[str, str | None] | None]:
    """`value` as core keeps a change of translations ({language: texts or None}),
    names stripped; ValidationFailed (at `loc` + the language + the field) otherwise."""
    if not isinstance(value, Mapping):
        raise ValidationFailed.field(*loc, msg="must be an object keyed by language")
    problems: list[FieldProblem] = []
    found: dict[str, dict[str, str | None] | None] = {}
    for language, texts in value.items():
        where = (*loc, str(language))
        if language not in LANGUAGES:
            problems.append(FieldProblem(where, f"unknown language; one of {', '.join(LANGUAGES)}"))
            continue
        if texts is None:
            found[language] = None
            continue
        if not isinstance(texts, Mapping):
            problems.append(FieldProblem(where, "must be an object with name and description"))
            continue
        extra = set(texts) - {"name", "description"}
        if extra:
            problems.append(FieldProblem(where, f"unknown field: {', '.join(sorted(extra))}"))
            continue
        name = str(texts.get("name") or "").strip()
        description = texts.get("description")
        description = str(description).strip() or None if description is not None else None
        if not name:
            problems.append(FieldProblem((*where, "name"), "name must not be empty"))
        elif len(name) > NAME_MAX:
            problems.append(
                FieldProblem((*where, "name"), f"must be at most {NAME_MAX} characters")
            )
        if description is not None and len(description) > DESCRIPTION_MAX:
            problems.append(
                FieldProblem(
                    (*where, "description"), f"must be at most {DESCRIPTION_MAX} characters"
                )
            )
        found[language] = {"name": name, "description": description}
    if problems:
        raise ValidationFailed(problems)
    return found


def merged_translations(
    current: Mapping[str, Any] | None, changes: Mapping[str, dict[str, str | None] | None]
) -> dict[str, dict[str, str | None]]:
    """The stored translations after a change (checked_translations' result)."""
    merged = {k: dict(v) for k, v in (current or {}).items() if isinstance(v, Mapping)}
    for language, texts in changes.items():
        if texts is None:
            merged.pop(language, None)
        else:
            merged[language] = dict(texts)
    return {language: merged[language] for language in LANGUAGES if language in merged}


@dataclass(frozen=True)
class ProductText:
    name: str
    description: str | None


def product_text(product: Any, language: str | None, shop_language: str | None) -> ProductText:
    """The product's name and description for a reader of `language`: that language's
    texts, else the shop's language's, else the base fields (each field on its own)."""
    stored = getattr(product, "translations", None) or {}
    name: str | None = None
    description: str | None = None
    for code in (language, shop_language):
        texts = stored.get(code) if code else None
        if not isinstance(texts, Mapping):
            continue
        name = name or (texts.get("name") or None)
        description = description or (texts.get("description") or None)
    return ProductText(
        name=name or str(product.name), description=description or product.description
    )


def names_snapshot(product: Any) -> dict[str, str] | None:
    """The product's translated names, kept on an order item when it is sold."""
    stored = getattr(product, "translations", None) or {}
    names = {
        language: str(texts["name"])
        for language, texts in stored.items()
        if isinstance(texts, Mapping) and texts.get("name")
    }
    return names or None


def item_name(
    product_name: str,
    product_names: Mapping[str, str] | None,
    language: str | None,
    shop_language: str | None,
) -> str:
    """An order item's name in `language` as it was sold (fallbacks as product_text)."""
    names = product_names or {}
    for code in (language, shop_language):
        if code and names.get(code):
            return str(names[code])
    return product_name
