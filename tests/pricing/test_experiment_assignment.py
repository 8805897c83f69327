"""Which variant a visitor sees: the same every time, and in the proportions the weights say."""

import math
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.experiments.assignment import choose

VISITORS = 100_000


def _within_tolerance(counts: Counter, weights: dict[str, int]) -> None:
    """Each variant's share is within 4.5 standard deviations of its weight's share (a false
    alarm about once in 150,000 runs; a biased hash of 1 point would fail)."""
    total = sum(weights.values())
    for variant, weight in weights.items():
        expected = weight / total
        sigma = math.sqrt(expected * (1 - expected) / VISITORS)
        assert abs(counts[variant] / VISITORS - expected) < 4.5 * sigma, (variant, counts)


@pytest.mark.parametrize(
    "weights",
    [
        {"control": 1, "lower": 1},
        {"control": 1, "lower": 1, "higher": 2},
        {"control": 9, "lower": 1},
    ],
)
def test_100000_visitors_split_as_the_weights_say(weights):
    counts = Counter(
        choose("exp-1", f"g:visitor-{n}", list(weights.items())) for n in range(VISITORS)
    )
    _within_tolerance(counts, weights)


def test_two_experiments_split_the_same_visitors_independently():
    both = Counter(
        (
            choose("exp-1", f"g:visitor-{n}", [("a", 1), ("b", 1)]),
            choose("exp-2", f"g:visitor-{n}", [("a", 1), ("b", 1)]),
        )
        for n in range(VISITORS)
    )
    # Knowing one experiment's variant says nothing of the other's: four even quarters.
    _within_tolerance(
        Counter({f"{a}{b}": count for (a, b), count in both.items()}),
        {"aa": 1, "ab": 1, "ba": 1, "bb": 1},
    )


@given(
    visitor=st.text(min_size=1, max_size=40),
    weights=st.lists(st.integers(1, 10_000), min_size=2, max_size=5),
)
def test_a_visitor_always_gets_the_same_variant(visitor, weights):
    variants = [(f"variant-{index}", weight) for index, weight in enumerate(weights)]
    first = choose("exp-1", visitor, variants)
    assert first in dict(variants)
    assert all(choose("exp-1", visitor, variants) == first for _ in range(3))


def test_an_experiment_without_weight_refuses_to_choose():
    with pytest.raises(ValueError, match="positive weight"):
        choose("exp-1", "g:visitor", [("a", 0)])
