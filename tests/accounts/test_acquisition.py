"""Where a customer came from: one cleaning rule for a touch, and the person's first touch kept
once (by the hash of their address), whoever asks first and however many ask at once."""

import hashlib
import threading
import unicodedata
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from accounts.acquisition import (
    Touch,
    clean_campaign_text,
    email_hash,
    own_hosts,
    record_first_touch,
    referrer_host_of,
)
from accounts.models import FirstTouch, TouchRecordedBy, User

REGISTER = "/api/v1/auth/register"
GMAIL_APP = "com.google.android.gm"  # Android apps refer as android-app://{package}/
PASSWORD = "sunrise over Bali 2026"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ({"source": "  Google \t Ads "}, Touch(source="google ads")),
        ({"medium": "E-Mail\n"}, Touch(medium="e-mail")),
        ({"campaign": "Bali  May\n2026"}, Touch(campaign="Bali May 2026")),  # case kept
        ({"source": "news\x00let\u200bter\x07"}, Touch(source="newsletter")),
        ({"campaign": "Bali \u200b May"}, Touch(campaign="Bali May")),  # one space, not two
        ({"campaign": "x" * 150}, Touch(campaign="x" * 100)),
        ({"campaign": "a" * 99 + " b"}, Touch(campaign="a" * 99)),  # no trailing space
        ({"referrer": "https://www.Example.COM:8443/post?q=1"}, Touch(referrer_host="example.com")),
        ({"referrer": "News.Example.org"}, Touch(referrer_host="news.example.org")),
        ({"referrer": "example.com/page"}, Touch(referrer_host="example.com")),
        ({"referrer": "www.com"}, Touch(referrer_host="www.com")),  # a domain, not a prefix
        ({"referrer": "www.www.example.com"}, Touch(referrer_host="example.com")),
        ({"referrer": "http://[2001:db8::1]:8080/"}, Touch(referrer_host="2001:db8::1")),
        ({"referrer": "https://bücher.de/"}, Touch(referrer_host="xn--bcher-kva.de")),
        ({"referrer": "android-app://com.google.android.gm/"}, Touch(referrer_host=GMAIL_APP)),
        ({"referrer": "https://user:secret@evil.example/"}, Touch(referrer_host="evil.example")),
        ({"referrer": "javascript:alert(1)"}, Touch()),
        ({"referrer": "mailto:ana@example.com"}, Touch()),
        ({"referrer": "not a url"}, Touch()),
        ({"referrer": "http://[::1"}, Touch()),
        ({"referrer": "a..example"}, Touch()),
        ({"referrer": "x" * 64 + ".example"}, Touch()),  # a label longer than DNS allows
        ({"source": " \t ", "referrer": "  "}, Touch()),
    ],
)
def test_a_touch_is_cleaned_by_one_rule(given, kept):
    assert Touch.cleaned(**given) == kept


@given(st.text(max_size=300), st.booleans())
def test_cleaned_text_fits_its_column_and_cleaning_it_again_changes_nothing(text, lower):
    cleaned = clean_campaign_text(text, lower=lower)

    assert len(cleaned) <= 100
    assert cleaned == cleaned.strip() and "  " not in cleaned
    assert not [c for c in cleaned if unicodedata.category(c) in ("Cc", "Cf") and c != " "]
    assert clean_campaign_text(cleaned, lower=lower) == cleaned


@given(
    st.one_of(
        st.text(max_size=100),
        st.builds(
            "{}://{}{}/{}".format,
            st.sampled_from(["http", "https", "android-app"]),
            st.sampled_from(["", "www.", "WWW.www."]),
            st.from_regex(r"[A-Za-z0-9][A-Za-z0-9.-]{0,40}", fullmatch=True),
            st.text(max_size=20),
        ),
    )
)
def test_a_referrer_is_a_host_or_nothing_and_its_host_cleans_to_itself(referrer):
    host = referrer_host_of(referrer)

    if host:
        assert len(host) <= 253 and host == host.lower() and not host.startswith("www.www.")
        assert referrer_host_of(host) == host


@pytest.mark.parametrize(
    "referrer",
    [
        "http://testserver/packages",  # ALLOWED_HOSTS in the tests
        "https://localhost:8000/basket",
        "https://shop.hiroam.test/",  # the request's own host
        "https://www.shop.hiroam.test/checkout",
    ],
)
def test_our_own_site_is_not_a_referrer(referrer):
    touch = Touch.cleaned(referrer=referrer, own=own_hosts("shop.hiroam.test:443"))

    assert touch.is_direct


def test_a_wildcard_allowed_host_still_lets_other_sites_refer(settings):
    settings.ALLOWED_HOSTS = ["*"]
    touch = Touch.cleaned(referrer="https://blog.example/", own=own_hosts("hiroam.com"))

    assert touch.referrer_host == "blog.example"
    assert Touch.cleaned(referrer="https://hiroam.com/", own=own_hosts("hiroam.com")).is_direct


def test_a_subdomain_pattern_in_allowed_hosts_covers_our_subdomains(settings):
    settings.ALLOWED_HOSTS = [".hiroam.com"]

    assert Touch.cleaned(referrer="https://m.hiroam.com/", own=own_hosts()).is_direct
    assert Touch.cleaned(referrer="https://hiroam.co/", own=own_hosts()).referrer_host


def test_a_visit_reads_the_campaign_from_the_query_and_the_site_from_the_referer():
    touch = Touch.from_visit(
        {"utm_source": "Instagram", "utm_medium": "Social", "utm_campaign": "Bali-May"},
        "https://l.instagram.com/?u=x",
    )

    assert touch == Touch("instagram", "social", "Bali-May", "l.instagram.com")
    assert not touch.is_direct
    assert Touch.from_dict(touch.as_dict()) == touch
    assert Touch.from_dict("garbage") == Touch() == Touch.from_visit({}, "")


def test_the_email_hash_is_what_sql_computes_as_md5_of_the_lower_cased_address(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT md5(lower(%s))", ["Ana.Traveller@Example.com"])
        in_sql = cursor.fetchone()[0]

    assert email_hash("  Ana.Traveller@Example.com ") == in_sql
    assert in_sql == hashlib.md5(b"ana.traveller@example.com", usedforsecurity=False).hexdigest()


@pytest.mark.django_db
def test_the_first_touch_is_kept_once_and_a_later_one_does_not_replace_it():
    now = timezone.now()
    record_first_touch(
        "Ana@Example.com", Touch(source="newsletter"), by=TouchRecordedBy.CHECKOUT, now=now
    )
    record_first_touch(
        "ana@example.com",
        Touch(source="google", referrer_host="google.com"),
        by=TouchRecordedBy.SIGN_UP,
        now=now + timedelta(days=3),
    )

    touch = FirstTouch.objects.get()
    assert (touch.utm_source, touch.referrer_host, touch.recorded_by, touch.recorded_at) == (
        "newsletter",
        "",
        TouchRecordedBy.CHECKOUT,
        now,
    )
    assert touch.email_hash == email_hash("ana@example.com")


@pytest.mark.django_db
def test_a_direct_visit_is_a_first_touch_too():
    record_first_touch("ana@example.com", Touch(), by=TouchRecordedBy.CHECKOUT, now=timezone.now())
    record_first_touch(
        "ana@example.com", Touch(source="ads"), by=TouchRecordedBy.CHECKOUT, now=timezone.now()
    )

    touch = FirstTouch.objects.get()
    assert (touch.utm_source, touch.referrer_host) == ("", "")


@pytest.mark.django_db(transaction=True)
def test_two_first_touches_at_once_keep_the_first_committed_and_neither_fails():
    now = timezone.now()
    first_inserted, second_done, errors = threading.Event(), threading.Event(), []

    def second() -> None:
        try:
            first_inserted.wait(10)
            with transaction.atomic():  # waits on the first's uncommitted row, then skips
                record_first_touch(
                    "ana@example.com", Touch(source="second"), by=TouchRecordedBy.SIGN_UP, now=now
                )
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            second_done.set()
            connection.close()

    thread = threading.Thread(target=second)
    thread.start()
    with transaction.atomic():
        record_first_touch(
            "ana@example.com", Touch(source="first"), by=TouchRecordedBy.CHECKOUT, now=now
        )
        first_inserted.set()
        assert not second_done.wait(0.5)  # blocked by our row until we commit
    thread.join(10)

    assert errors == []
    assert list(FirstTouch.objects.values_list("utm_source", flat=True)) == ["first"]


# ------------------------------------------------------------------------------ sign-up (API)


@pytest.mark.django_db
def test_registering_through_the_api_records_the_first_touch(api_client):
    response = api_client.post(
        REGISTER,
        {
            "email": "Ana@Example.com",
            "password": PASSWORD,
            "utm_source": "Newsletter",
            "utm_medium": "email",
            "utm_campaign": "Spring",
            "referrer": "https://www.mail.example/inbox",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    touch = FirstTouch.objects.get(email_hash=email_hash("ana@example.com"))
    assert (touch.utm_source, touch.utm_medium, touch.utm_campaign, touch.referrer_host) == (
        "newsletter",
        "email",
        "Spring",
        "mail.example",
    )
    assert touch.recorded_by == TouchRecordedBy.SIGN_UP
    assert touch.recorded_at == User.objects.get().date_joined


@pytest.mark.django_db
def test_registering_without_a_source_records_a_direct_first_touch(api_client):
    api_client.post(REGISTER, {"email": "ana@example.com", "password": PASSWORD}, format="json")

    touch = FirstTouch.objects.get()
    assert (touch.utm_source, touch.referrer_host, touch.recorded_by) == ("", "", "sign_up")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("utm_source", "x" * 101),
        ("utm_campaign", "bad\x00value"),
        ("referrer", "javascript:alert(1)"),
        ("referrer", "https://" + "x" * 2050 + ".example"),
        ("utm_medium", ["email"]),
    ],
)
def test_a_bad_source_is_refused_at_registration_and_writes_nothing(api_client, field, value):
    response = api_client.post(
        REGISTER,
        {"email": "ana@example.com", "password": PASSWORD, field: value},
        format="json",
    )

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in error["details"]
    assert not User.objects.exists()
    assert not FirstTouch.objects.exists()
