"""National Provider Identifier check digit (Luhn over the card-issuer prefix 80840)."""

from __future__ import annotations

_PREFIX_SUM = 24  # Luhn contribution of the implied prefix "80840", per the CMS NPI standard


def _luhn_sum(digits: str) -> int:
    total = _PREFIX_SUM
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:  # rightmost of the 9 base digits is doubled
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total


def npi_check_digit(base9: str) -> int:
    """Check digit for the first nine digits of an NPI."""
    if len(base9) != 9 or not base9.isdigit():
        raise ValueError("NPI base must be nine digits")
    return (10 - _luhn_sum(base9) % 10) % 10


def is_valid_npi(value: str | None) -> bool:
    """True for a ten-digit NPI starting with 1 or 2 whose check digit is right."""
    if not value or len(value) != 10 or not value.isdigit() or value[0] not in "12":
        return False
    return npi_check_digit(value[:9]) == int(value[9])
