"""Base prices, price schedules, price history, promo codes and the pricing engine."""
