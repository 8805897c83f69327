"""Emails rendered from templates/emails/<name>.txt (+ .html): one way to build every
customer email, whichever app sends it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def templated_email(
    subject: str, template: str, context: dict[str, Any], to: Sequence[str], *, html: bool = True
) -> EmailMultiAlternatives:
    """The message for `template` (text body, HTML alternative unless `html` is False)."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        to=list(to),
    )
    if html:
        message.attach_alternative(
            render_to_string(f"emails/{template}.html", context), "text/html"
        )
    return message
