"""The refund console: the monitor, the job's runs, and the unused eSIMs with "Refund now"."""

from refunds.admin import monitor, unused

__all__ = ["monitor", "unused"]
