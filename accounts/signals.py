"""What accounts tells the apps above it. Accounts sits at the bottom and may not import them,
so they listen instead (each connects its receiver in its AppConfig.ready())."""

from django.dispatch import Signal

# Sent once, the first time a customer proves their email is theirs, inside the transaction
# that records it: a receiver that fails undoes the verification too, so the customer can
# simply open the link again. Arguments: user (accounts.User), now (datetime).
email_verified = Signal()
