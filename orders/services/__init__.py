"""Every write to orders: checkout, payments, expiry. One module per use case."""
