"""Shared model pieces."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model, ModelMeta


class WithoutSourceComments(ModelMeta):
    """Tortoise reads the source of each model class for `#:` field comments (to use as
    field descriptions): `inspect.getsource` parses the model's module once per class,
    about a quarter of the CPU of a `sauda` command. Ours have no such comments
    (docstrings and `#` comments only), so the models skip that search, as the models
    Tortoise renders for its migration state do."""

    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> Any:
        attrs.setdefault("_no_comments", True)
        return super().__new__(mcs, name, bases, attrs)


class TimestampedModel(Model, metaclass=WithoutSourceComments):
    id = fields.IntField(primary_key=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        abstract = True
