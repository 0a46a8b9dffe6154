"""Sign-in state kept in the database: refresh tokens (core.auth.refresh)."""

from __future__ import annotations

from tortoise import fields

from core.models.base import TimestampedModel


class RefreshToken(TimestampedModel):
    """One refresh token of a login's family (OAuth 2.0 Security BCP rotation).

    A login starts a family; every rotation adds a row to it and marks the presented one
    used. Only the token's SHA-256 is stored. `access_jti`/`access_expires_at` name the
    access token issued with this refresh token, so revoking the family revokes it too.
    """

    family = fields.UUIDField(db_index=True)
    user = fields.ForeignKeyField(
        "models.User", related_name="refresh_tokens", on_delete=fields.CASCADE
    )
    shop = fields.ForeignKeyField(
        "models.Shop", related_name="refresh_tokens", null=True, on_delete=fields.CASCADE
    )
    audience = fields.CharField(max_length=32)
    token_hash = fields.CharField(max_length=64, unique=True)
    access_jti = fields.CharField(max_length=64, null=True, db_index=True)
    access_expires_at = fields.DatetimeField(null=True)
    issued_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "refresh_tokens"
        indexes = (("user_id",), ("shop_id",))
