"""System checks of the API settings, so a bad entry stops `manage.py check`, `migrate` (hence
`bin/hiroam prepare`) and `runserver` at start instead of failing every request it touches."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error

from hiroam.api.client_ip import trusted_networks
from hiroam.api.throttling import parse_rate


def check_api_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for scope, rate in settings.THROTTLE_RATES.items():
        try:
            parse_rate(rate)
        except ValueError:
            errors.append(
                Error(
                    f"THROTTLE_RATES[{scope!r}] is {rate!r}, which is not a rate.",
                    hint="Write requests/period, e.g. '100/min' (periods: s, min, h, day).",
                    id="hiroam.E001",
                )
            )
    for proxy in settings.TRUSTED_PROXIES:
        try:
            trusted_networks((proxy,))
        except ValueError:
            errors.append(
                Error(
                    f"TRUSTED_PROXIES holds {proxy!r}, which is no IP address or network.",
                    hint="List addresses or CIDR networks, e.g. 10.0.0.0/8,192.0.2.7.",
                    id="hiroam.E002",
                )
            )
    return errors
