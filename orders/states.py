"""The order's state machines (plan section 8.2) and the eSIM's refund machine (section 11.4),
each declared once here.

A service changes a status only through `advance`: a move the machine does not allow is
refused (DisallowedTransition) and logged, never applied. Moving to the state it is already in
is a no-op that says so, which makes replayed webhooks and retried tasks harmless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import models

from hiroam.api.errors import ConflictError
from orders.models import EsimStatus, OrderStatus, PaymentStatus, RefundStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Machine:
    name: str
    field: str
    moves: dict[str, frozenset[str]]

    def allows(self, current: str, target: str) -> bool:
        return target in self.moves.get(current, frozenset())


def _moves(table: dict[str, set[str]]) -> dict[str, frozenset[str]]:
    return {state: frozenset(targets) for state, targets in table.items()}


ORDER = Machine(
    "order",
    "status",
    _moves(
        {
            OrderStatus.PENDING: {
                OrderStatus.PAID,
                OrderStatus.CANCELLED,
                OrderStatus.FAILED,
                OrderStatus.EXPIRED,
                OrderStatus.REFUNDED,  # paid the wrong amount (flagged), then refunded
            },
            # A late payment for an expired order is still honoured (when stock allows), or
            # refunded when it cannot be (a payment that arrived after a cancel too).
            OrderStatus.EXPIRED: {OrderStatus.PAID, OrderStatus.REFUNDED},
            OrderStatus.CANCELLED: {OrderStatus.REFUNDED},
            OrderStatus.PAID: {OrderStatus.PROCESSING, OrderStatus.FAILED, OrderStatus.REFUNDED},
            OrderStatus.PROCESSING: {
                OrderStatus.COMPLETED,
                OrderStatus.FAILED,
                OrderStatus.REFUNDED,
            },
            OrderStatus.COMPLETED: {OrderStatus.REFUNDED},
            OrderStatus.FAILED: {OrderStatus.REFUNDED},
        }
    ),
)
PAYMENT = Machine(
    "payment",
    "payment_status",
    _moves(
        {
            # A declined card may be followed by a successful try in the same checkout.
            PaymentStatus.PENDING: {PaymentStatus.COMPLETED, PaymentStatus.FAILED},
            PaymentStatus.FAILED: {PaymentStatus.COMPLETED},
            PaymentStatus.COMPLETED: {PaymentStatus.REFUNDED},
        }
    ),
)
ESIM = Machine(
    "eSIM",
    "esim_status",
    _moves(
        {
            EsimStatus.PENDING: {EsimStatus.ORDERED, EsimStatus.FAILED},
            EsimStatus.ORDERED: {EsimStatus.DELIVERED, EsimStatus.FAILED},
            EsimStatus.FAILED: {EsimStatus.ORDERED},  # retried by an operator
        }
    ),
)


# Recovering an unused eSIM's cost (plan 11.4). An SM-DP+ download, install or enable makes it
# not refundable at any point before the cancel; a failure is retried (from `failed`) by later
# runs; `processing` is left only with the provider's answer (a crashed run's rows are
# re-read, never cancelled blindly).
REFUND = Machine(
    "refund",
    "refund_status",
    _moves(
        {
            RefundStatus.NOT_ELIGIBLE: {
                RefundStatus.ELIGIBLE,
                RefundStatus.NOT_REFUNDABLE,
                RefundStatus.PROCESSING,  # refunded by hand before its 90 days
            },
            RefundStatus.ELIGIBLE: {RefundStatus.PROCESSING, RefundStatus.NOT_REFUNDABLE},
            RefundStatus.PROCESSING: {
                RefundStatus.REFUNDED,
                RefundStatus.NOT_REFUNDABLE,
                RefundStatus.FAILED,
            },
            # Our cancel went through after another run or a late SM-DP+ event settled the
            # eSIM otherwise: the provider returned the cost, and that is the truth.
            RefundStatus.FAILED: {
                RefundStatus.PROCESSING,
                RefundStatus.NOT_REFUNDABLE,
                RefundStatus.REFUNDED,
            },
            RefundStatus.NOT_REFUNDABLE: {RefundStatus.REFUNDED},
        }
    ),
)


class DisallowedTransition(ConflictError):
    """A status change its machine does not allow."""


def advance(obj: models.Model, machine: Machine, target: str) -> bool:
    """Sets `obj`'s status on `machine` to `target` (not saved). True if it changed; False if
    it was already there; DisallowedTransition if the machine forbids the move."""
    current = getattr(obj, machine.field)
    if current == target:
        return False
    if not machine.allows(current, target):
        logger.warning(
            "Refused %s status change of %s: %s -> %s", machine.name, obj.pk, current, target
        )
        raise DisallowedTransition(
            f"The {machine.name} status cannot go from {current} to {target}.",
            details={"from": current, "to": target},
        )
    setattr(obj, machine.field, target)
    return True
