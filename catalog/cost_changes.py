"""Provider cost changes found by the sync.

Pricing keeps the price history, but the catalogue sits below pricing and cannot import it, so
pricing registers the recorder when it loads (pricing.apps). The recorder runs inside the
sync's transaction: the history and the new costs commit together or not at all.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CostChange:
    package_id: Any
    old_cost_cents: int
    new_cost_cents: int


CostChangeRecorder = Callable[[Sequence[CostChange], datetime], None]


def _log_only(changes: Sequence[CostChange], now: datetime) -> None:
    if changes:
        logger.warning("%d provider cost change(s) not recorded: no recorder", len(changes))


_recorder: CostChangeRecorder = _log_only


def register_cost_change_recorder(recorder: CostChangeRecorder) -> None:
    global _recorder  # one process-wide registration, at app load
    _recorder = recorder


def record_cost_changes(changes: Sequence[CostChange], now: datetime) -> None:
    _recorder(changes, now)
