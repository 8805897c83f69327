"""Which variant a visitor gets: a hash of the experiment and the visitor, placed on the
variants' weights. The same visitor always lands on the same variant while the weights stay as
they are, and the weights are frozen once the experiment has started (services)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_BITS = 64


def hashed_point(experiment_id: str, visitor: str, total_weight: int) -> int:
    """A number in [0, total_weight), uniform over visitors: the first 64 bits of
    SHA-256(experiment id ":" visitor), scaled down."""
    digest = hashlib.sha256(f"{experiment_id}:{visitor}".encode()).digest()
    return int.from_bytes(digest[:8], "big") * total_weight >> HASH_BITS


def choose(experiment_id: str, visitor: str, weighted: Sequence[tuple[str, int]]) -> str:
    """The variant (by id) for `visitor` among (variant id, weight) pairs, taken in the given
    order (callers sort them by id, so the order never depends on a query)."""
    total = sum(weight for _, weight in weighted)
    if total <= 0:
        raise ValueError("an experiment needs variants with a positive weight")
    point = hashed_point(experiment_id, visitor, total)
    for variant_id, weight in weighted:
        if point < weight:
            return variant_id
        point -= weight
    raise AssertionError("unreachable: the point lies below the total weight")
