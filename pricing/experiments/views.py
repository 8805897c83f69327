"""Views of experiment prices: one per visitor per experiment per day, buffered in Redis and
flushed to the database in batches (never a database write per request)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime


def record(visitor: str, shown: Sequence[tuple[str, str]], now: datetime) -> None:
    """Counts a view of each (experiment id, variant id) in `shown` by `visitor` on `now`'s
    day, unless already counted that day."""
    return None
