"""Prices as people read them: `$4.50`, `$1,234.00`, `Rp 75.000`.

Amounts are integers in minor units (USD cents, whole rupiah); nothing here rounds.
"""

CURRENCIES = ("USD", "IDR")
DEFAULT_CURRENCY = "USD"


def format_money(amount: int, currency: str) -> str:
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if currency == "IDR":
        # Indonesians group thousands with dots and write no decimals.
        return f"{sign}Rp {amount:,}".replace(",", ".")
    return f"{sign}${amount // 100:,}.{amount % 100:02d}"


def format_data_amount(volume_bytes: int) -> str:
    """1 GB, 1.5 GB, 500 MB: binary units, as the provider counts them, to one decimal."""
    if volume_bytes >= 1024**3:
        return f"{round(volume_bytes / 1024**3, 1):g} GB"
    return f"{round(volume_bytes / 1024**2):g} MB"


def format_validity(duration: int, unit: str) -> str:
    noun = "day" if unit.upper() == "DAY" else unit.lower()
    return f"{duration} {noun}{'' if duration == 1 else 's'}"


def flag(country_code: str) -> str:
    """The flag emoji of an ISO 3166 alpha-2 code (two regional indicator letters)."""
    code = country_code.upper()
    if len(code) != 2 or not code.isalpha() or not code.isascii():
        return ""
    return "".join(chr(0x1F1E6 + ord(letter) - ord("A")) for letter in code)
