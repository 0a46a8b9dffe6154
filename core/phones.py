"""Phone numbers: one normalisation, to E.164, through the `phonenumbers` library."""

from __future__ import annotations

import phonenumbers

from core.errors import ValidationFailed

DEFAULT_REGION = "KZ"
# The canonical form of the Kazakh mobile numbers (what documents declare; the
# normalisation reads other spellings and landlines too).
KZ_MOBILE_PATTERN = r"^\+7(70[0125678]|747|751|76[0-4]|77[15678]|785)[0-9]{7}$"
# Uzbek mobile numbers in E.164 (+998 and a mobile operator's code), for the consult
# document; with the Kazakh ones, every number this pattern allows is valid.
UZ_MOBILE_PATTERN = r"^\+998(33|50|55|77|88|9[0134578])[0-9]{7}$"
MOBILE_PATTERN = f"^({KZ_MOBILE_PATTERN[1:-1]}|{UZ_MOBILE_PATTERN[1:-1]})$"


class InvalidPhone(ValueError):
    """Not a valid phone number for the regions we serve."""


def normalize_phone(raw: str, *, region: str = DEFAULT_REGION) -> str:
    """Return the number in E.164 (`+77011234567`); raise InvalidPhone otherwise."""
    text = (raw or "").strip()
    if not text:
        raise InvalidPhone("phone number is empty")
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhone(f"not a phone number: {error}") from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone("not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_kz_phone(raw: str) -> str:
    """E.164 for a Kazakh number (+7 and 10 digits); raise InvalidPhone otherwise."""
    phone = normalize_phone(raw, region="KZ")
    parsed = phonenumbers.parse(phone)
    if phonenumbers.region_code_for_number(parsed) != "KZ" or len(phone) != 12:
        raise InvalidPhone("must be a Kazakh number in the format +7XXXXXXXXXX")
    return phone


def phone_or_422(raw: str, *loc: str | int, kazakh_only: bool = False) -> str:
    """Normalise or raise ValidationFailed located at `loc`."""
    try:
        return normalize_kz_phone(raw) if kazakh_only else normalize_phone(raw)
    except InvalidPhone as error:
        raise ValidationFailed.field(*loc, msg=f"Invalid phone format: {error}") from None


def mask_phone(phone: str) -> str:
    """`+77011234567` -> `+7701***4567`, for logs and public pages."""
    if len(phone) < 8:
        return "***"
    return phone[:5] + "***" + phone[-4:]
