"""Email/password accounts: register and sign in.

- Emails are kept lower-case (stripped): `User@Example.com` and `user@example.com` are
  one account, and a second registration of it is a Conflict (409).
- Passwords: 8 to 128 characters with at least one letter and one digit; hashed with
  argon2 (core.auth.passwords). A wrong email and a wrong password are the same 401,
  and cost the same time.
"""

from __future__ import annotations

import re

from tortoise.exceptions import IntegrityError

from core.auth.passwords import hash_password, verify_password
from core.commerce.public_ids import ensure_public_id
from core.errors import Conflict, Unauthorized, ValidationFailed
from core.models import User

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
MIN_PASSWORD, MAX_PASSWORD = 8, 128
BAD_LOGIN = "Incorrect email or password"


def normalize_email(raw: str, *loc: str | int) -> str:
    email = (raw or "").strip().lower()
    if len(email) > 254 or not EMAIL.match(email):
        raise ValidationFailed.field(*(loc or ("email",)), msg="Enter a valid email address")
    return email


def check_password_rules(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ValidationFailed.field(
            "password", msg=f"Password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters"
        )
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        raise ValidationFailed.field(
            "password", msg="Password must contain at least one letter and one digit"
        )


async def register_user(*, email: str, password: str, name: str = "") -> User:
    """A new account. Outcomes: the user; ValidationFailed (email, password); Conflict
    when the email is taken (whatever its case)."""
    email = normalize_email(email)
    check_password_rules(password)
    if await User.filter(email=email).exists():
        raise Conflict("A user with this email already exists")
    try:
        user = await User.create(email=email, password_hash=hash_password(password), name=name)
    except IntegrityError:
        raise Conflict("A user with this email already exists") from None
    return user


async def authenticate_email(*, email: str, password: str) -> User:
    """The active user with this email and password; Unauthorized otherwise."""
    address = (email or "").strip().lower()
    user = await User.get_or_none(email=address) if address else None
    if not verify_password(user.password_hash if user else None, password):
        raise Unauthorized(BAD_LOGIN)
    if user is None or not user.is_active:
        raise Unauthorized(BAD_LOGIN)
    await ensure_public_id(user)
    return user
