"""The order page (owner, secret link, or nobody) and the account pages, each through the
services the API uses."""

import json

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from accounts.tasks import send_password_reset_email
from orders.models import (
    EsimProfile,
    OrderItem,
    OrderStatus,
    access_token_for,
    hash_access_token,
)
from points import services as points
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.catalog.factories import PackageFactory
from tests.orders.factories import OrderFactory, paid_order

pytestmark = pytest.mark.django_db

LPA = "LPA:1$smdp.example.com$ACTIVATION-CODE-1"


def delivered_order(user=None, esims=2):
    package = PackageFactory.create(name="Japan 5GB")
    order = paid_order(status=OrderStatus.COMPLETED, user=user)
    order.access_token_hash = hash_access_token(access_token_for(order.pk))
    order.save(update_fields=["access_token_hash"])
    item = OrderItem.objects.create(
        order=order,
        package=package,
        package_code=package.package_code,
        package_name=package.title,
        quantity=esims,
        unit_price_cents=999,
        final_unit_price_cents=999,
        total_cents=999 * esims,
    )
    for index in range(1, esims + 1):
        EsimProfile.objects.create(
            order=order,
            order_item=item,
            profile_index=index,
            esim_tran_no=f"T{order.pk.hex[:8]}{index}",
            iccid=f"8988000000000000{index:03d}",
            sm_dp_address="smdp.example.com",
            activation_code=f"{LPA}{index}",
            manual_code=f"{LPA}{index}",
        )
    return order


def test_the_secret_link_opens_a_delivered_order_with_its_qr_codes_and_codes(client):
    order = delivered_order()

    page = client.get(f"/orders/{order.pk}?token={access_token_for(order.pk)}")

    body = page.content.decode()
    assert page.status_code == 200
    assert body.count("<svg") == 2 and "QR code to install eSIM 1" in body
    assert f"{LPA}1" in body and f"{LPA}2" in body
    assert "8988000000000000001" in body
    assert "iPhone" in body and "Android" in body
    assert '<meta name="robots" content="noindex">' in body
    assert "data-poll-seconds" not in body and "refresh" not in body  # nothing to wait for
    assert "no-store" in page["Cache-Control"]  # the back button of a shared computer


def test_nobody_else_sees_an_order(client):
    order = delivered_order()
    assert client.get(f"/orders/{order.pk}").status_code == 404
    assert client.get(f"/orders/{order.pk}?token=wrong").status_code == 404
    stranger = UserFactory.create()
    client.force_login(stranger)
    assert client.get(f"/orders/{order.pk}").status_code == 404


def test_a_paid_order_waiting_for_its_esim_watches_its_status(client):
    customer = UserFactory.create()
    order = paid_order(status=OrderStatus.PROCESSING, user=customer)
    client.force_login(customer)
    page = client.get(f"/orders/{order.pk}").content.decode()
    assert "preparing your eSIM" in page
    assert 'data-poll-seconds="2"' in page  # the script asks for the status...
    assert '<noscript><meta http-equiv="refresh" content="10"></noscript>' in page  # or not
    status = client.get(f"/orders/{order.pk}/status")
    assert status.json() == {"status": "processing", "esims": 0}
    assert Client().get(f"/orders/{order.pk}/status").status_code == 404  # nobody else


def test_an_unpaid_order_watches_for_the_payment_but_never_reloads_without_a_script(client):
    customer = UserFactory.create()
    order = OrderFactory.create(user=customer)
    client.force_login(customer)
    page = client.get(f"/orders/{order.pk}").content.decode()
    assert "Waiting for your payment." in page
    assert 'data-poll-seconds="2"' in page and "refresh" not in page


def test_the_order_page_costs_the_same_queries_for_one_or_ten_esims(client):
    one, ten = delivered_order(esims=1), delivered_order(esims=10)

    def queries(order):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/orders/{order.pk}?token={access_token_for(order.pk)}")
        assert response.status_code == 200
        return len(captured)

    assert queries(one) == queries(ten)


def test_signing_up_signs_in_and_shows_my_orders_and_points(client):
    page = client.post(
        "/account/sign-up",
        {"email": "Ria@Example.com", "password": "sunrise over Bali 2026", "full_name": "Ria"},
    )
    assert page.status_code == 302
    user = User.objects.get(email="ria@example.com")
    mine = delivered_order(user=user)
    OrderFactory.create(customer_email="someone@example.com")  # not hers
    points.earn_for_order(
        user_id=user.pk, order_id=mine.pk, paid_cents=1_998, first_purchase=True, now=timezone.now()
    )

    orders = client.get("/account").content.decode()
    assert orders.count('data-testid="my-order"') == 1 and mine.order_number in orders
    ledger = client.get("/account/points").content.decode()
    assert "first order bonus" in ledger
    assert 'data-testid="points-balance">249<' in ledger  # 199 + the 50 bonus


def test_a_weak_password_or_a_taken_email_is_said_beside_the_field(client):
    UserFactory.create(email="taken@example.com")
    weak = client.post("/account/sign-up", {"email": "new@example.com", "password": "123"})
    assert 'id="id_password_error"' in weak.content.decode()
    taken = client.post(
        "/account/sign-up", {"email": "taken@example.com", "password": "sunrise over Bali 2026"}
    )
    assert "already exists" in taken.content.decode()
    assert User.objects.count() == 1


def test_signing_in_with_a_wrong_password_fails_plainly(client):
    UserFactory.create(email="ana@example.com")
    wrong = client.post("/account/sign-in", {"email": "ana@example.com", "password": "nope"})
    assert "Email or password is wrong." in wrong.content.decode()
    right = client.post(
        "/account/sign-in", {"email": "ANA@example.com", "password": DEFAULT_PASSWORD}
    )
    assert right.status_code == 302 and right["Location"] == "/account"


def test_sign_in_never_sends_the_visitor_to_another_site(client):
    UserFactory.create(email="ana@example.com")
    response = client.post(
        "/account/sign-in?next=https://evil.example/",
        {"email": "ana@example.com", "password": DEFAULT_PASSWORD},
    )
    assert response["Location"] == "/account"


def test_account_pages_ask_to_sign_in(client):
    for path in ("/account", "/account/points", "/account/delete"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/account/sign-in")


def test_a_password_reset_link_changes_the_password_once(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory.create(email="ana@example.com")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        asked = client.post("/account/password-reset", {"email": "ANA@example.com"})
    assert "a link to reset its password is on its way" in asked.content.decode()
    assert len(queued) == 1
    send_password_reset_email(str(user.pk))  # what the worker runs
    [message] = mail.outbox
    link = next(word for word in message.body.split() if "/account/reset/" in word)
    path = link.split("://", 1)[1].split("/", 1)[1]

    form = client.get(f"/{path}", follow=True)
    assert "Choose a new password" in form.content.decode()
    changed = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a brand new sunrise 7", "new_password2": "a brand new sunrise 7"},
    )
    assert changed.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a brand new sunrise 7")
    again = client.get(f"/{path}", follow=True).content.decode()
    assert "has expired or was used already" in again


def test_asking_resets_for_one_address_is_limited(client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "password_reset_email": "1/hour"}
    UserFactory.create(email="ana@example.com")
    assert client.post("/account/password-reset", {"email": "ana@example.com"}).status_code == 200
    again = Client().post("/account/password-reset", {"email": "ANA@example.com"})
    assert again.status_code == 429  # from another browser too: one inbox, one budget


def test_asking_a_reset_for_an_unknown_email_answers_the_same_and_sends_nothing(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        asked = client.post("/account/password-reset", {"email": "nobody@example.com"})
    assert "is on its way" in asked.content.decode()
    assert queued == []


def test_downloading_my_data_gives_my_account_as_json(client):
    user = UserFactory.create(email="ana@example.com")
    client.force_login(user)
    response = client.post("/account/my-data")
    assert response["Content-Disposition"].startswith('attachment; filename="hiroam-my-data-')
    assert json.loads(response.content)["account"]["email"] == "ana@example.com"


def test_deleting_my_account_needs_my_password(client):
    user = UserFactory.create(email="ana@example.com")
    client.force_login(user)
    wrong = client.post("/account/delete", {"password": "nope"})
    assert "The password is wrong." in wrong.content.decode()
    assert User.objects.get(pk=user.pk).email == "ana@example.com"

    done = client.post("/account/delete", {"password": DEFAULT_PASSWORD}, follow=True)
    assert "Your account is deleted" in done.content.decode()
    assert not User.objects.filter(email="ana@example.com").exists()
    assert "_auth_user_id" not in client.session


def test_public_pages_have_titles_and_descriptions_and_private_ones_are_not_indexed(client):
    PackageFactory.create(name="Japan 5GB", slug="japan-5gb")
    home = client.get("/").content.decode()
    assert "<title>Travel eSIMs for every trip · HIROAM</title>" in home
    assert '<meta name="description"' in home and "noindex" not in home
    package = client.get("/packages/japan-5gb").content.decode()
    assert "<title>Japan 5GB · HIROAM</title>" in package
    assert "noindex" in client.get("/account/sign-in").content.decode()
    assert "noindex" in client.get("/basket").content.decode()


def test_robots_and_sitemap(client):
    PackageFactory.create(slug="japan-5gb")
    robots = client.get("/robots.txt").content.decode()
    assert "Disallow: /orders/" in robots and "Sitemap: http://testserver/sitemap.xml" in robots
    sitemap = client.get("/sitemap.xml").content.decode()
    assert "<loc>http://testserver/packages/japan-5gb</loc>" in sitemap
    assert "<loc>http://testserver/destinations/jp</loc>" in sitemap
    assert "/orders/" not in sitemap


def test_the_strict_client_is_refused_sign_out_without_csrf():
    user = UserFactory.create()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post("/account/sign-out").status_code == 403


TRANSACTION = "txn_01abcdefghijklmnopqrstuvwx"


def test_the_pay_page_opens_paddle_js_for_the_transaction(client, settings):
    settings.PADDLE_ENVIRONMENT = "sandbox"
    settings.PADDLE_CLIENT_TOKEN = "test_0123456789abcdef"
    page = client.get(f"/pay?_ptxn={TRANSACTION}").content.decode()
    assert 'src="https://cdn.paddle.com/paddle/v2/paddle.js"' in page
    assert '"test_0123456789abcdef"' in page and 'Paddle.Environment.set("sandbox")' in page
    settings.PADDLE_ENVIRONMENT = "production"
    assert "Paddle.Environment.set" not in client.get(f"/pay?_ptxn={TRANSACTION}").content.decode()


def test_the_pay_page_hands_over_to_the_local_sandbox_and_refuses_odd_ids(client, settings):
    settings.PADDLE_ENVIRONMENT = "local"
    response = client.get(f"/pay?_ptxn={TRANSACTION}")
    assert response["Location"] == f"/sandbox/paddle/checkout?_ptxn={TRANSACTION}"
    assert client.get("/pay?_ptxn=<script>").status_code == 404


@pytest.mark.parametrize("path", ["/account", "/account/points"])
def test_my_orders_and_points_cost_the_same_queries_for_one_or_ten_orders(client, path):
    user = UserFactory.create()
    client.force_login(user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    def order_with_points():
        order = delivered_order(user=user, esims=2)
        points.earn_for_order(
            user_id=user.pk,
            order_id=order.pk,
            paid_cents=999,
            first_purchase=False,
            now=timezone.now(),
        )

    order_with_points()
    one = queries()
    for _ in range(9):
        order_with_points()
    assert queries() == one
