"""Adapters to the outside world. Each provider has a client that speaks its wire protocol; the
built-in sandbox (hiroam.sandbox) speaks the same protocol, so switching to live is only
configuration."""
