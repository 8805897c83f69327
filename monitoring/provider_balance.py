"""Our prepaid balance at eSIM Access, checked by a periodic job (a scrape must never wait on
a provider) and kept in Redis for /metrics: when it runs low, orders start failing."""

import json
import time
from dataclasses import dataclass

from django.core.cache import cache

from hiroam.integrations.esim_access import esim_access_client

KEY = "monitoring:esim-access-balance"


@dataclass(frozen=True)
class Balance:
    cents: int
    checked_at: float  # Unix time


def check_balance() -> Balance:
    balance = Balance(esim_access_client().balance_cents(), time.time())
    cache.set(KEY, json.dumps([balance.cents, balance.checked_at]), timeout=None)
    return balance


def last_balance() -> Balance | None:
    raw = cache.get(KEY)
    if raw is None:
        return None
    cents, checked_at = json.loads(raw)
    return Balance(int(cents), float(checked_at))
