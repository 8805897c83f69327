"""The 90-day unused-eSIM refund job and its admin monitor."""
