"""eSIM packages: provider sync, availability, admin-managed display data, the public catalog."""
