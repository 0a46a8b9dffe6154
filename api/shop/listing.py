"""What every list of the shop contract shares: `page` from 1, `limit` up to 100, and
the `{"items": [...], "total": N}` answer."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

MAX_LIMIT = 100
DEFAULT_LIMIT = 50


class PageQuery(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    page: int = Field(1, ge=1, le=1_000_000, description="Page number, starting from 1")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page (max 100)")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit
