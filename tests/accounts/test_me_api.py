"""GET and PATCH /me: the customer sees and changes their name, phone and preferences; bad
input is refused in the envelope and writes nothing."""

import pytest

from accounts.models import CustomerProfile, User

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"


def test_me_shows_the_account_and_default_preferences(signed_in_client, customer):
    data = signed_in_client.get(ME).json()["data"]

    assert data == {
        "id": str(customer.pk),
        "email": "traveller@example.com",
        "email_verified": False,
        "full_name": "Tia Traveller",
        "phone": "",
        "preferred_currency": "USD",
        "email_notifications": True,
        "date_joined": data["date_joined"],
    }


def test_patch_changes_the_details_and_preferences_and_get_shows_them(signed_in_client, customer):
    response = signed_in_client.patch(
        ME,
        {
            "full_name": "Tia T. Traveller",
            "phone": "+62 812-3456-7890",
            "preferred_currency": "IDR",
            "email_notifications": False,
        },
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["data"] == signed_in_client.get(ME).json()["data"]
    customer.refresh_from_db()
    profile = CustomerProfile.objects.get(user=customer)
    assert (customer.full_name, customer.phone) == ("Tia T. Traveller", "+62 812-3456-7890")
    assert (profile.preferred_currency, profile.email_notifications) == ("IDR", False)


def test_patch_changes_only_what_it_names(signed_in_client, customer):
    CustomerProfile.objects.create(user=customer, preferred_currency="IDR", points_balance=70)

    signed_in_client.patch(ME, {"email_notifications": False}, format="json")
    signed_in_client.patch(ME, {"phone": ""}, format="json")

    customer.refresh_from_db()
    profile = CustomerProfile.objects.get(user=customer)
    assert customer.full_name == "Tia Traveller"
    assert (profile.preferred_currency, profile.email_notifications) == ("IDR", False)
    assert profile.points_balance == 70  # the points figures are never touched by /me


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"preferred_currency": "EUR"}, "preferred_currency"),
        ({"email_notifications": "sometimes"}, "email_notifications"),
        ({"phone": "call me maybe"}, "phone"),
        ({"phone": "12345"}, "phone"),  # too few digits to be a number
        ({"full_name": "x" * 256}, "full_name"),
        ({"email": "new@example.com"}, "email"),  # email changes are not made here
        ({"points_balance": 1_000_000}, "points_balance"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(signed_in_client, customer, body, field):
    response = signed_in_client.patch(ME, {"full_name": "Changed", **body}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in error["details"]
    customer.refresh_from_db()
    assert customer.full_name == "Tia Traveller"
    assert customer.email == "traveller@example.com"
    assert not CustomerProfile.objects.exists()


def test_me_needs_a_signed_in_customer(api_client):
    response = api_client.patch(ME, {"full_name": "Someone"}, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"
    assert not User.objects.filter(full_name="Someone").exists()
