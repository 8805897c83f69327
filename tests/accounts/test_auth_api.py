import pytest
from django.db import IntegrityError
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import User
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REGISTER, LOGIN, REFRESH, LOGOUT, ME = (
    "/api/v1/auth/register",
    "/api/v1/auth/login",
    "/api/v1/auth/refresh",
    "/api/v1/auth/logout",
    "/api/v1/me",
)
PASSWORD = "sunrise over Bali 2026"


def _register(client, email="Ana.Traveller@Example.com", password=PASSWORD, **extra):
    return client.post(REGISTER, {"email": email, "password": password, **extra}, format="json")


def test_register_creates_a_customer_and_signs_them_in(api_client):
    response = _register(api_client, full_name="Ana Traveller")

    assert response.status_code == 201
    data = response.json()["data"]
    assert data["user"]["email"] == "ana.traveller@example.com"
    assert data["user"]["full_name"] == "Ana Traveller"
    assert data["access"] and data["refresh"]
    user = User.objects.get()
    assert not user.is_staff
    assert user.check_password(PASSWORD)


def test_the_same_email_in_another_case_is_taken(api_client):
    _register(api_client)

    response = _register(api_client, email="ANA.traveller@example.COM")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "EMAIL_TAKEN"
    assert User.objects.count() == 1


def test_the_database_itself_refuses_a_case_variant():
    User.objects.create(email="dup@example.com")

    with pytest.raises(IntegrityError):
        User.objects.create(email="DUP@example.com")  # bypasses normalisation on purpose


def test_a_weak_password_is_refused_with_reasons_and_creates_nothing(api_client):
    response = _register(api_client, password="12345678")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert error["details"]["password"]
    assert not User.objects.exists()


def test_login_ignores_email_case_and_me_shows_the_profile(api_client):
    _register(api_client)

    login = api_client.post(
        LOGIN, {"email": "ANA.TRAVELLER@example.com", "password": PASSWORD}, format="json"
    )
    assert login.status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['data']['access']}")
    me = api_client.get(ME)

    assert me.status_code == 200
    assert me.json()["data"]["email"] == "ana.traveller@example.com"


def test_wrong_password_is_a_401_that_does_not_say_which_part_was_wrong(api_client):
    UserFactory.create(email="known@example.com")

    wrong_password = api_client.post(
        LOGIN, {"email": "known@example.com", "password": "nope-nope-1"}, format="json"
    )
    unknown_email = api_client.post(
        LOGIN, {"email": "who@example.com", "password": "nope-nope-1"}, format="json"
    )

    assert wrong_password.status_code == unknown_email.status_code == 401
    assert (
        wrong_password.json()["error"]["code"]
        == unknown_email.json()["error"]["code"]
        == "INVALID_CREDENTIALS"
    )
    assert wrong_password.json()["error"]["message"] == unknown_email.json()["error"]["message"]


def test_an_inactive_customer_cannot_log_in(api_client):
    UserFactory.create(email="gone@example.com", is_active=False)

    response = api_client.post(
        LOGIN, {"email": "gone@example.com", "password": DEFAULT_PASSWORD}, format="json"
    )

    assert response.status_code == 401


def test_refresh_rotates_and_the_old_refresh_token_stops_working(api_client):
    tokens = _register(api_client).json()["data"]

    refreshed = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    replayed = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")

    assert refreshed.status_code == 200
    assert refreshed.json()["data"]["access"]
    assert refreshed.json()["data"]["refresh"] != tokens["refresh"]
    assert replayed.status_code == 401
    assert replayed.json()["error"]["code"] == "INVALID_TOKEN"


def test_after_logout_the_refresh_token_is_dead(api_client):
    tokens = _register(api_client).json()["data"]

    logout = api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")
    refresh = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")

    assert logout.status_code == 200
    assert refresh.status_code == 401


def test_logout_with_garbage_is_a_clear_401(api_client):
    response = api_client.post(LOGOUT, {"refresh": "garbage"}, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "INVALID_TOKEN"


def test_an_access_token_is_not_a_refresh_token(api_client):
    tokens = _register(api_client).json()["data"]

    response = api_client.post(REFRESH, {"refresh": tokens["access"]}, format="json")

    assert response.status_code == 401


def test_refreshing_for_a_deleted_customer_is_a_clean_401(api_client):
    tokens = _register(api_client).json()["data"]
    User.objects.get().delete()

    response = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "INVALID_TOKEN"
    assert not User.objects.exists()


def test_refreshing_for_a_deactivated_customer_is_refused(api_client):
    tokens = _register(api_client).json()["data"]
    User.objects.update(is_active=False)

    response = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "INVALID_TOKEN"
    assert not BlacklistedToken.objects.exists()  # nothing was rotated
    assert OutstandingToken.objects.count() == 1


def test_a_refreshed_pair_works_and_refreshes_again(api_client):
    tokens = _register(api_client).json()["data"]

    first = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").json()["data"]
    second = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {first['access']}")

    assert second.status_code == 200
    assert api_client.get(ME).json()["data"]["email"] == "ana.traveller@example.com"
    assert BlacklistedToken.objects.count() == 2


def test_a_password_change_ends_every_session(api_client):
    tokens = _register(api_client).json()["data"]
    user = User.objects.get()
    user.set_password("a different passphrase 77")
    user.save()

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    me = api_client.get(ME)
    api_client.credentials()
    refresh = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    login = api_client.post(
        LOGIN,
        {"email": "ana.traveller@example.com", "password": "a different passphrase 77"},
        format="json",
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['data']['access']}")

    assert me.status_code == 401
    assert me.json()["error"]["code"] == "INVALID_TOKEN"
    assert refresh.status_code == 401
    assert refresh.json()["error"]["code"] == "INVALID_TOKEN"
    assert api_client.get(ME).status_code == 200  # signing in again works


def test_an_access_token_of_a_deleted_customer_is_an_invalid_token(api_client):
    tokens = _register(api_client).json()["data"]
    User.objects.get().delete()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    response = api_client.get(ME)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "INVALID_TOKEN"


def test_logging_in_records_last_login_and_a_failed_attempt_does_not(api_client):
    user = UserFactory.create(email="known@example.com")

    api_client.post(LOGIN, {"email": user.email, "password": "wrong-password-1"}, format="json")
    user.refresh_from_db()
    assert user.last_login is None

    before = timezone.now()
    api_client.post(LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD}, format="json")
    user.refresh_from_db()
    assert user.last_login is not None
    assert user.last_login >= before
