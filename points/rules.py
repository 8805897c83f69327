"""The points rules (plan section 9), pure: how many points an order earns."""

POINTS_PER_10_CENTS = 1  # 10 points per dollar, one per whole 10 cents: $9.99 earns 99
FIRST_PURCHASE_BONUS = 50


def points_for_paid_cents(paid_cents: int) -> int:
    """What an order earns for the amount actually paid (after every discount)."""
    return max(0, paid_cents) // 10 * POINTS_PER_10_CENTS
