"""The points ledger: earning, spending, expiry."""
