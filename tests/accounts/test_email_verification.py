"""Email verification: registering sends a signed link; the link (in the app or in the browser)
verifies once and harmlessly again; tampered, expired and outdated links are refused; a new
link can be asked for, signed in or from the expired page."""

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from redis import Redis

from accounts.email_verification import verification_token
from accounts.models import User
from accounts.tasks import send_verification_email
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

REGISTER, VERIFY, RESEND = (
    "/api/v1/auth/register",
    "/api/v1/auth/verify-email",
    "/api/v1/auth/verify-email/resend",
)
PAGE = "/account/verify-email"


def queued_verification_emails() -> list[str]:
    """The user ids of the verification emails waiting in the Celery queue (the real broker)."""
    queue = Redis.from_url(settings.CELERY_BROKER_URL)
    messages = [json.loads(raw) for raw in queue.lrange("celery", 0, -1)]
    return [
        message["headers"]["argsrepr"].strip("()',")
        for message in messages
        if message["headers"]["task"] == "accounts.tasks.send_verification_email"
    ]


def _verify(client, token):
    return client.post(VERIFY, {"token": token}, format="json")


def test_registering_queues_a_verification_email_with_a_link_that_verifies(
    api_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            REGISTER,
            {"email": "Ana@Example.com", "password": "sunrise over Bali 2026", "full_name": "Ana"},
            format="json",
        )
    user = User.objects.get()
    assert response.json()["data"]["user"]["email_verified"] is False
    assert queued_verification_emails() == [str(user.pk)]

    assert send_verification_email(str(user.pk)) is True  # what the worker runs

    [message] = mail.outbox
    assert message.to == ["ana@example.com"]
    assert message.subject == "Confirm your email for HIROAM"
    link = next(word for word in message.body.split() if word.startswith(settings.APP_URL))
    assert urlsplit(link).path == PAGE
    assert link in message.alternatives[0][0]  # type: ignore[attr-defined]
    token = parse_qs(urlsplit(link).query)["token"][0]

    page = api_client.get(PAGE, {"token": token})

    assert page.status_code == 200
    assert "Your email is verified" in page.content.decode()
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_the_app_verifies_with_the_token_and_twice_is_harmless(api_client):
    user = UserFactory.create()
    token = verification_token(user=user, now=timezone.now())

    first = _verify(api_client, token)
    user.refresh_from_db()
    verified_at = user.email_verified_at
    second = _verify(api_client, token)

    assert first.status_code == second.status_code == 200
    assert second.json()["data"] == {
        "email": user.email,
        "email_verified": True,
        "verification_sent": False,
    }
    user.refresh_from_db()
    assert verified_at is not None
    assert user.email_verified_at == verified_at  # the first time stands


def _tampered(token: str) -> str:
    payload, _, rest = token.partition(":")
    return ("x" if payload[0] != "x" else "y") + payload[1:] + ":" + rest


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda user: _tampered(verification_token(user=user, now=timezone.now()))),
        pytest.param(lambda user: "not-a-token"),
        pytest.param(
            lambda user: verification_token(user=UserFactory.build(), now=timezone.now()),
            id="an-unknown-account",
        ),
    ],
)
def test_a_tampered_or_foreign_link_is_refused(api_client, make_token):
    user = UserFactory.create()

    response = _verify(api_client, make_token(user))
    page = api_client.get(PAGE, {"token": make_token(user)})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VERIFICATION_LINK_INVALID"
    assert page.status_code == 400
    assert "This link does not work" in page.content.decode()
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_a_link_for_an_earlier_email_address_is_refused(api_client):
    user = UserFactory.create(email="old@example.com")
    token = verification_token(user=user, now=timezone.now())
    User.objects.filter(pk=user.pk).update(email="new@example.com")

    response = _verify(api_client, token)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VERIFICATION_LINK_INVALID"
    assert "earlier email address" in error["message"]
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_an_expired_link_is_refused_and_its_page_sends_a_new_one(
    api_client, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_VERIFICATION_LINK_DAYS = 3
    user = UserFactory.create()
    still_valid = verification_token(user=user, now=timezone.now() - timedelta(days=2, hours=23))
    expired = verification_token(user=user, now=timezone.now() - timedelta(days=3, minutes=1))

    response = _verify(api_client, expired)
    page = api_client.get(PAGE, {"token": expired})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VERIFICATION_LINK_EXPIRED"
    assert page.status_code == 400
    assert "This link has expired" in page.content.decode()
    assert "Email me a new link" in page.content.decode()
    user.refresh_from_db()
    assert user.email_verified_at is None

    with django_capture_on_commit_callbacks(execute=True):
        sent = api_client.post(PAGE, {"token": expired})
        again = api_client.post(PAGE, {"token": expired})  # within the pause: no second email

    assert sent.status_code == again.status_code == 200
    assert f"A new link is on its way to {user.email}" in sent.content.decode()
    assert queued_verification_emails() == [str(user.pk)]
    # A link still within its days works.
    assert _verify(api_client, still_valid).status_code == 200


def test_the_expired_page_sends_nothing_for_a_tampered_link(
    api_client, django_capture_on_commit_callbacks
):
    user = UserFactory.create()
    expired = verification_token(user=user, now=timezone.now() - timedelta(days=30))

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(PAGE, {"token": _tampered(expired)})

    assert response.status_code == 400
    assert queued_verification_emails() == []


def test_a_signed_in_customer_can_ask_for_a_new_link_a_few_times_an_hour(
    signed_in_client, customer, throttle_clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answers = [signed_in_client.post(RESEND) for _ in range(6)]

    assert [answer.status_code for answer in answers] == [200] * 5 + [429]
    assert answers[0].json()["data"] == {
        "email": customer.email,
        "email_verified": False,
        "verification_sent": True,
    }
    assert answers[-1].json()["error"]["code"] == "RATE_LIMITED"
    assert queued_verification_emails() == [str(customer.pk)] * 5


def test_no_new_link_once_verified_and_the_worker_sends_nothing_either(
    signed_in_client, customer, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=customer.pk).update(email_verified_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in_client.post(RESEND)

    assert response.json()["data"]["verification_sent"] is False
    assert response.json()["data"]["email_verified"] is True
    assert queued_verification_emails() == []
    # A message queued before the customer verified finds nothing to do.
    assert send_verification_email(str(customer.pk)) is False
    assert mail.outbox == []


def test_asking_for_a_new_link_needs_a_signed_in_customer(api_client):
    response = api_client.post(RESEND)

    assert response.status_code == 401
    assert queued_verification_emails() == []
