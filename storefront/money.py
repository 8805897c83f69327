"""The shop's words for amounts: data volumes, validity, flags; its currencies. Money itself is
written by catalog.price_display.format_money (one way for the shop and the admin alike)."""

CURRENCIES = ("USD", "IDR")
DEFAULT_CURRENCY = "USD"


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
