"""Checkout, orders, eSIM profiles, payment and provider webhooks, fulfilment, emails."""
