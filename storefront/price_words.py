""" "Why this price", in plain words, from the same DisplayPrice the API answers with."""

from catalog.price_display import DisplayPrice, format_money


def why_this_price(price: DisplayPrice, currency: str) -> list[str]:
    def money(amount: int) -> str:
        return format_money(amount, currency)

    if price.final >= price.original:
        return [
            f"{money(price.final)} is this eSIM's regular price; no sale is running on it now.",
            "A promo code or your points can still take something off at checkout.",
        ]
    sentences = [f"The regular price is {money(price.original)}."]
    sale = price.schedule_name or "A sale"
    until = (
        f" until {price.discount_ends_at:%-d %B %Y, %H:%M} UTC" if price.discount_ends_at else ""
    )
    sentences.append(
        f"{sale} takes {money(price.savings)} off ({price.discount_label or 'a discount'})"
        f"{until}, so you pay {money(price.final)}."
    )
    if price.lowest_price_30_days is not None:
        sentences.append(
            "The lowest price in the 30 days before this sale began was "
            f"{money(price.lowest_price_30_days)}."
        )
    sentences.append("A promo code or your points can take more off at checkout.")
    return sentences
