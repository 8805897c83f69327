"""Customers and staff: the user model, staff roles, the admin audit trail, authentication."""
