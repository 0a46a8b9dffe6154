"""Unguessable public tokens."""

from __future__ import annotations

import secrets


def new_tracking_token() -> str:
    """A URL-safe token with 128 random bits (22 characters)."""
    return secrets.token_urlsafe(16)
