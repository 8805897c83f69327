"""The order's state machines: allowed moves apply, a repeated move is a no-op, and a move the
plan's diagram does not allow is refused and logged, leaving the status as it was."""

import logging

import pytest

from orders.models import EsimStatus, Order, OrderStatus, PaymentStatus
from orders.states import ESIM, ORDER, PAYMENT, DisallowedTransition, advance


def _order(**statuses):
    return Order(**statuses)


def test_the_happy_path_is_allowed():
    order = _order(status=OrderStatus.PENDING, payment_status=PaymentStatus.PENDING)

    for target in (OrderStatus.PAID, OrderStatus.PROCESSING, OrderStatus.COMPLETED):
        assert advance(order, ORDER, target) is True
    assert advance(order, PAYMENT, PaymentStatus.COMPLETED) is True
    assert order.status == OrderStatus.COMPLETED


def test_the_same_move_twice_changes_nothing():
    order = _order(status=OrderStatus.PAID)

    assert advance(order, ORDER, OrderStatus.PAID) is False
    assert order.status == OrderStatus.PAID


@pytest.mark.parametrize(
    ("machine", "field", "current", "target"),
    [
        (ORDER, "status", OrderStatus.PENDING, OrderStatus.COMPLETED),  # skipping payment
        (ORDER, "status", OrderStatus.CANCELLED, OrderStatus.PAID),
        (ORDER, "status", OrderStatus.REFUNDED, OrderStatus.PAID),
        (PAYMENT, "payment_status", PaymentStatus.COMPLETED, PaymentStatus.FAILED),
        (PAYMENT, "payment_status", PaymentStatus.PENDING, PaymentStatus.REFUNDED),
        (ESIM, "esim_status", EsimStatus.PENDING, EsimStatus.DELIVERED),
    ],
)
def test_a_move_the_diagram_forbids_is_refused_and_logged(machine, field, current, target, caplog):
    order = _order(**{field: current})

    with caplog.at_level(logging.WARNING), pytest.raises(DisallowedTransition) as refused:
        advance(order, machine, target)

    assert getattr(order, field) == current
    assert refused.value.status_code == 409
    assert f"{current} -> {target}" in caplog.text
