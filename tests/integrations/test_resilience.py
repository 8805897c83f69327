"""Retries only for failures that can pass, and a circuit breaker shared through Redis."""

import time

import pytest

from hiroam.integrations.circuit_breaker import CircuitBreaker, CircuitState
from hiroam.integrations.errors import CircuitOpenError, ProviderTimeout, ProviderUnavailable
from hiroam.integrations.esim_access import errors
from hiroam.integrations.paddle.results import CheckoutItem
from hiroam.sandbox.faults import inject_fault
from hiroam.sandbox.models import Fault


def _faults_left():
    return sum(Fault.objects.values_list("remaining", flat=True))


@pytest.mark.parametrize("kind", ["system_busy", "http_500", "timeout"])
def test_a_passing_provider_failure_is_retried_until_it_succeeds(esim_client, kind):
    inject_fault(target="esim_access_api", kind=kind, count=2)

    balance = esim_client.balance_cents()

    assert balance > 0
    assert _faults_left() == 0  # the first two attempts met the faults, the third succeeded


def test_retries_give_up_after_the_policy_and_say_why(esim_client):
    inject_fault(target="esim_access_api", kind="http_500", count=5)

    with pytest.raises(ProviderUnavailable) as failure:
        esim_client.balance_cents()

    assert failure.value.code == "500"
    assert _faults_left() == 2  # exactly three attempts


def test_a_timeout_is_reported_as_such(esim_client):
    inject_fault(target="esim_access_api", kind="timeout", count=3)

    with pytest.raises(ProviderTimeout):
        esim_client.balance_cents()


def test_no_profiles_available_is_not_retried(esim_client):
    inject_fault(target="esim_access_api", kind="no_profiles", count=2)

    with pytest.raises(errors.NoProfilesAvailable) as refused:
        esim_client.balance_cents()

    assert refused.value.code == "200011"
    assert _faults_left() == 1


def test_the_circuit_opens_after_repeated_failures_and_spares_the_provider(
    esim_client, esim_breaker, client
):
    breaker = CircuitBreaker(esim_breaker.name, failure_threshold=3, reset_timeout_seconds=0.5)
    esim_client.breaker = breaker
    inject_fault(target="esim_access_api", kind="http_500", count=10)

    with pytest.raises(ProviderUnavailable):
        esim_client.balance_cents()  # three failed attempts: the threshold
    faults_after_opening = _faults_left()
    with pytest.raises(CircuitOpenError):
        esim_client.balance_cents()

    assert _faults_left() == faults_after_opening  # refused without calling the provider
    assert breaker.state() is CircuitState.OPEN
    health = client.get("/health").json()
    assert health["status"] == "degraded"
    assert health["checks"]["esim_access"] == {"status": "degraded", "circuit": "open"}

    Fault.objects.all().delete()  # the provider recovers
    time.sleep(0.6)
    assert breaker.state() is CircuitState.HALF_OPEN

    assert esim_client.balance_cents() > 0  # the trial call succeeds ...
    assert breaker.state() is CircuitState.CLOSED  # ... and closes the circuit
    assert client.get("/health").json()["checks"]["esim_access"]["status"] == "healthy"


def test_a_failed_trial_call_opens_the_circuit_again(esim_client, esim_breaker):
    breaker = CircuitBreaker(esim_breaker.name, failure_threshold=1, reset_timeout_seconds=0.3)
    esim_client.breaker = breaker
    esim_client.retry_policy = type(esim_client.retry_policy)(attempts=1)
    inject_fault(target="esim_access_api", kind="http_500", count=2)
    with pytest.raises(ProviderUnavailable):
        esim_client.balance_cents()
    time.sleep(0.35)

    with pytest.raises(ProviderUnavailable):
        esim_client.balance_cents()  # the trial fails

    assert breaker.state() is CircuitState.OPEN


def test_business_refusals_do_not_open_the_circuit(esim_client, esim_breaker):
    breaker = CircuitBreaker(esim_breaker.name, failure_threshold=1, reset_timeout_seconds=60)
    esim_client.breaker = breaker

    for _ in range(3):
        with pytest.raises(errors.OperationNotAllowed):
            _cancel_twice(esim_client)

    assert breaker.state() is CircuitState.CLOSED


def _cancel_twice(esim_client):
    from hiroam.integrations.esim_access.results import OrderLine
    from hiroam.sandbox import catalogue

    code = catalogue.packages_by_slug()["JP_1_7"]["packageCode"]
    order = esim_client.order_profiles(
        transaction_id=f"T-{time.monotonic_ns()}", lines=[OrderLine(code, 1)]
    )
    [profile] = esim_client.query_profiles(order_no=order.order_no)
    esim_client.cancel_profile(esim_tran_no=profile.esim_tran_no)
    esim_client.cancel_profile(esim_tran_no=profile.esim_tran_no)  # 200002: already cancelled


def test_every_breaker_of_a_provider_reads_the_same_state_from_redis():
    first = CircuitBreaker("shared-test", failure_threshold=2, reset_timeout_seconds=60)
    second = CircuitBreaker("shared-test", failure_threshold=2, reset_timeout_seconds=60)

    first.record_failure()
    second.record_failure()

    assert first.state() is CircuitState.OPEN
    assert second.state() is CircuitState.OPEN


def test_creating_a_paddle_transaction_is_not_sent_again_after_a_timeout(paddle):
    # The first request may have created the transaction: a second would make two.
    inject_fault(target="paddle_api", kind="timeout", count=2)

    with pytest.raises(ProviderTimeout):
        paddle.create_transaction(
            items=[
                CheckoutItem(name="Japan", description="eSIM", unit_price_cents=999, quantity=1)
            ],
            custom_data={"order_id": "o-1"},
        )

    assert Fault.objects.get().remaining == 1  # one attempt only


def test_creating_a_paddle_transaction_is_retried_when_it_surely_did_not_arrive(paddle):
    inject_fault(target="paddle_api", kind="http_500", count=1)

    created = paddle.create_transaction(
        items=[CheckoutItem(name="Japan", description="eSIM", unit_price_cents=999, quantity=1)],
        custom_data={"order_id": "o-1"},
    )

    assert created.id.startswith("txn_")
