"""Moved to `core.shoptime` (kept so branches that import the old path still work)."""

from core.shoptime import *  # noqa: F403
