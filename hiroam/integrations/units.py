"""Unit conversions at the provider edge: money in integer minor units, times aware UTC."""

from datetime import UTC, datetime

PROVIDER_UNITS_PER_CENT = 100  # eSIM Access money is in 1/10000 USD


def cost_cents_from_provider_units(units: int) -> int:
    """Rounded up to the next cent: a cost is never understated, so a margin never overstated."""
    return -(-int(units) // PROVIDER_UNITS_PER_CENT)


def balance_cents_from_provider_units(units: int) -> int:
    """Rounded down: we never believe we have more money than we do."""
    return int(units) // PROVIDER_UNITS_PER_CENT


def parse_provider_time(value: str | None) -> datetime | None:
    """Accepts `2026-09-27T19:29:36+0000`, `...Z`, `...+00:00`; naive times are taken as UTC."""
    if not value:
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = f"{text[:-2]}:{text[-2:]}"  # +0000 -> +00:00
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_provider_time(moment: datetime) -> str:
    """The form eSIM Access uses in API responses: `2026-09-27T19:29:36+0000`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
