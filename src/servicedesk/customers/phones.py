"""Phone numbers as people type them, normalised to E.164 for lookup (Dutch numbers by default)."""

from __future__ import annotations

DEFAULT_REGION = "NL"

# phonenumbers is imported where it is used: loading it (its matcher and metadata) is a tenth of a second, and a
# process that takes in one mail (`servicedesk mail receive`) has no phone number to read.


def normalize_phone(text: str, region: str = DEFAULT_REGION) -> str | None:
    """'030-7116193' -> '+31307116193'; None when it is not a possible phone number."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """'+31307116193' -> '030 711 6193' for Dutch numbers, international format otherwise."""
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == DEFAULT_REGION:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
