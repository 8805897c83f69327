"""Is a variant's conversion rate really different from the control's? Pure functions: rates
and probabilities are floats (they are estimates, not money).

Method (docs/ADMIN_GUIDE.md, "Price experiments"): a visitor converts or not, so each arm is a
proportion, conversions / visitors.

- Significance: the two-proportion z-test with the pooled rate,
  z = (p_v - p_c) / sqrt(p (1 - p) (1/n_c + 1/n_v)), p = (x_c + x_v) / (n_c + n_v);
  two-sided p-value = erfc(|z| / sqrt 2). Significant when p < 0.05.
- Confidence interval (95 %) of the difference p_v - p_c: Wald, unpooled,
  (p_v - p_c) +- 1.96 sqrt(p_c (1 - p_c) / n_c + p_v (1 - p_v) / n_v).
- Uplift is the difference relative to the control's rate; its interval is the difference's
  divided by p_c (the control's rate taken as known: fine at the sample sizes we decide on).
- Too small to decide: an arm with fewer than MIN_VISITORS visitors or MIN_CONVERSIONS
  conversions (the normal approximation above needs both).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z_95 = 1.959963984540054  # the standard normal's 97.5th percentile
SIGNIFICANCE = 0.05
MIN_VISITORS = 100
MIN_CONVERSIONS = 10


@dataclass(frozen=True)
class Arm:
    visitors: int
    conversions: int

    @property
    def rate(self) -> float:
        return self.conversions / self.visitors if self.visitors else 0.0

    @property
    def is_large_enough(self) -> bool:
        return self.visitors >= MIN_VISITORS and self.conversions >= MIN_CONVERSIONS


@dataclass(frozen=True)
class Comparison:
    """A variant against the control."""

    difference: float  # of the conversion rates, variant - control
    difference_low: float  # its 95 % confidence interval
    difference_high: float
    uplift: float | None  # the difference relative to the control's rate (None: control 0)
    uplift_low: float | None
    uplift_high: float | None
    z: float
    p_value: float
    is_large_enough: bool  # both arms: enough visitors and conversions to decide on

    @property
    def is_significant(self) -> bool:
        return self.is_large_enough and self.p_value < SIGNIFICANCE


def compare(control: Arm, variant: Arm) -> Comparison:
    difference = variant.rate - control.rate
    spread = _unpooled_error(control, variant) * Z_95
    low, high = difference - spread, difference + spread
    z = _z(control, variant)
    return Comparison(
        difference=difference,
        difference_low=low,
        difference_high=high,
        uplift=_relative(difference, control.rate),
        uplift_low=_relative(low, control.rate),
        uplift_high=_relative(high, control.rate),
        z=z,
        p_value=math.erfc(abs(z) / math.sqrt(2)),
        is_large_enough=control.is_large_enough and variant.is_large_enough,
    )


def _relative(value: float, base: float) -> float | None:
    return value / base if base else None


def _unpooled_error(control: Arm, variant: Arm) -> float:
    if not control.visitors or not variant.visitors:
        return 0.0
    return math.sqrt(
        control.rate * (1 - control.rate) / control.visitors
        + variant.rate * (1 - variant.rate) / variant.visitors
    )


def _z(control: Arm, variant: Arm) -> float:
    visitors = control.visitors + variant.visitors
    if not control.visitors or not variant.visitors:
        return 0.0
    pooled = (control.conversions + variant.conversions) / visitors
    error = math.sqrt(pooled * (1 - pooled) * (1 / control.visitors + 1 / variant.visitors))
    return (variant.rate - control.rate) / error if error else 0.0
