"""Where a customer came from: the campaign (utm_source, utm_medium, utm_campaign) and the
referring site of a visit, cleaned by one rule wherever it comes from (a landing page's query
string and Referer header, or the API's fields), and the first touch kept per person.

A person is their normalised email address (the identity that verified emails join): the first
touch is stored under the address's MD5 only, the hash the analytics layer computes in SQL as
`md5(lower(email))`, so no address is stored twice.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import split_domain_port, validate_host

from accounts.models import FirstTouch, TouchRecordedBy, normalize_email_address

CAMPAIGN_TEXT_LENGTH = 100  # the utm_* columns
HOST_LENGTH = 255  # the referrer_host columns

_WHITESPACE = re.compile(r"\s+")
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def email_hash(email: str) -> str:
    """The MD5 hex of the normalised address: an identifier to join on, not a secret."""
    return hashlib.md5(normalize_email_address(email).encode(), usedforsecurity=False).hexdigest()


def clean_campaign_text(value: str, *, lower: bool = False) -> str:
    """Trimmed, runs of whitespace made one space, control and invisible format characters
    removed (a NUL would not even reach PostgreSQL), cut to the column's length."""
    kept = "".join(
        char for char in value if char.isspace() or unicodedata.category(char) not in ("Cc", "Cf")
    )
    text = _WHITESPACE.sub(" ", kept).strip()  # a tab or newline is a space, then collapsed
    if lower:
        text = text.lower()
    return text[:CAMPAIGN_TEXT_LENGTH].rstrip()


def referrer_host_of(value: str) -> str | None:
    """The host of a referrer given as a URL (any scheme with a host: https, android-app) or
    as a bare host, lower-cased, without port or a leading `www.`; "" for nothing given; None
    when it is neither (no host, or not a valid host name)."""
    text = value.strip()
    if not text:
        return ""
    is_url = "://" in text
    try:
        parts = urlsplit(text if is_url else f"//{text}")
        host, _port = parts.hostname, parts.port  # a port that is no number is refused here
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    if not host or (not is_url and parts.username is not None):
        return None  # "mailto:ana@example.com" is no host
    host = host.rstrip(".")
    try:
        host = host.encode("idna").decode("ascii").lower()  # an IDN as its ASCII form
    except UnicodeError:
        return None
    if not _is_host_name(host):
        return None
    while host.startswith("www.") and "." in host[4:]:  # once more cleans to the same host
        host = host[4:]
    return host


def _is_host_name(host: str) -> bool:
    if len(host) > 253:
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return all(_HOST_LABEL.match(label) for label in host.split("."))
    return True


def own_hosts(request_host: str = "") -> list[str]:
    """The shop's own host patterns (ALLOWED_HOSTS, not its "*"), and the request's host:
    a visitor moving between our pages has no referrer."""
    patterns = [pattern.lower() for pattern in settings.ALLOWED_HOSTS if pattern != "*"]
    domain, _port = split_domain_port(request_host)
    return [*patterns, domain] if domain else patterns


def _is_own(host: str, ours: Iterable[str]) -> bool:
    patterns = list(ours)
    return validate_host(host, patterns) or validate_host(f"www.{host}", patterns)


@dataclass(frozen=True)
class Touch:
    """One visit's source: the campaign (source and medium lower-cased, so "Google" and
    "google" count as one) and the referring site's host. All empty: a direct visit."""

    source: str = ""
    medium: str = ""
    campaign: str = ""
    referrer_host: str = ""

    @classmethod
    def cleaned(
        cls,
        *,
        source: str = "",
        medium: str = "",
        campaign: str = "",
        referrer: str = "",
        own: Iterable[str] = (),
    ) -> Touch:
        """The touch by the one cleaning rule. A referrer that is not a URL or host, or that
        is one of `own` hosts, is no referrer (callers that must refuse a malformed one check
        `referrer_host_of` first)."""
        host = referrer_host_of(referrer) or ""
        if host and _is_own(host, own):
            host = ""
        return cls(
            source=clean_campaign_text(source, lower=True),
            medium=clean_campaign_text(medium, lower=True),
            campaign=clean_campaign_text(campaign),
            referrer_host=host[:HOST_LENGTH],
        )

    @classmethod
    def from_visit(
        cls, query: Mapping[str, str], referer: str, *, own: Iterable[str] = ()
    ) -> Touch:
        """A landing page's touch: its utm_* query parameters and its Referer header."""
        return cls.cleaned(
            source=query.get("utm_source", ""),
            medium=query.get("utm_medium", ""),
            campaign=query.get("utm_campaign", ""),
            referrer=referer,
            own=own,
        )

    @property
    def is_direct(self) -> bool:
        return not (self.source or self.medium or self.campaign or self.referrer_host)

    def as_dict(self) -> dict[str, str]:
        """For a session, and back through `from_dict`."""
        return {
            "source": self.source,
            "medium": self.medium,
            "campaign": self.campaign,
            "referrer_host": self.referrer_host,
        }

    @classmethod
    def from_dict(cls, values: object) -> Touch:
        """What `as_dict` stored (cleaned again: a session is only as good as its backend)."""
        if not isinstance(values, dict):
            return cls()
        texts = {key: value for key, value in values.items() if isinstance(value, str)}
        return cls.cleaned(
            source=texts.get("source", ""),
            medium=texts.get("medium", ""),
            campaign=texts.get("campaign", ""),
            referrer=texts.get("referrer_host", ""),
        )


def record_first_touch(email: str, touch: Touch, *, by: TouchRecordedBy, now: datetime) -> None:
    """Keeps `touch` as the person's first touch unless they already have one (a direct visit
    counts too: it says the person came by themself). One INSERT ... ON CONFLICT DO NOTHING,
    so two checkouts at once keep exactly one row, and neither fails."""
    FirstTouch.objects.bulk_create(
        [
            FirstTouch(
                email_hash=email_hash(email),
                utm_source=touch.source,
                utm_medium=touch.medium,
                utm_campaign=touch.campaign,
                referrer_host=touch.referrer_host,
                recorded_at=now,
                recorded_by=by,
            )
        ],
        ignore_conflicts=True,
    )
