"""The provider's rate limit holds across processes: calls from several limiters (workers) on
one Redis are spaced a slot apart; without Redis each process still spaces its own."""

import time
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

from hiroam.integrations.rate_limit import RateLimiter
from tests.conftest import unreachable_cache

PER_SECOND = 40  # 25 ms slots: the rule of 8 a second, faster


def _call_times(limiters, calls_each):
    def calls(limiter):
        stamps = []
        for _ in range(calls_each):
            limiter.wait_for_slot()
            stamps.append(time.monotonic())
        return stamps

    with ThreadPoolExecutor(max_workers=len(limiters)) as pool:
        return sorted(stamp for stamps in pool.map(calls, limiters) for stamp in stamps)


def _most_in_any_second(stamps):
    return max(sum(1 for other in stamps if start <= other < start + 1) for start in stamps)


def test_workers_sharing_the_limit_never_exceed_it_in_any_second():
    """The moments the limiter gives out (when each call may go), not when a busy machine
    next schedules the thread: 10 a second, so a late wake-up of tens of ms moves no call into
    another slot."""
    per_second, slots = 10, []

    def note_the_slot(seconds: float) -> None:
        slots.append(time.monotonic() + seconds)  # right after Redis gave the slot
        time.sleep(seconds)

    workers = [RateLimiter("test-provider", per_second, sleep=note_the_slot) for _ in range(4)]

    _call_times(workers, calls_each=6)  # 24 calls: 2.4 s at 10 a second

    slots.sort()
    assert slots[-1] - slots[0] >= 21 * 0.1  # the first few may go at once: no wait to note
    assert _most_in_any_second(slots) <= per_second + 1  # the slot edges may touch


def test_without_redis_each_process_spaces_its_own_calls():
    limiter = RateLimiter("test-provider-down", PER_SECOND)

    with unreachable_cache():
        stamps = _call_times([limiter], calls_each=10)

    gaps = [later - earlier for earlier, later in pairwise(stamps)]
    assert min(gaps) >= 0.025 - 0.005


def test_no_limit_means_no_waiting():
    assert RateLimiter("benchmarks", 0).wait_for_slot() == 0.0


def test_every_esim_access_call_takes_a_slot_of_the_documented_limit():
    from hiroam.integrations.esim_access import esim_access_client

    esim_access_client.cache_clear()
    limiter = esim_access_client().rate_limiter

    assert limiter is not None
    assert limiter.interval_ms == 125  # 8 a second, the provider's documented limit
    assert limiter.key.startswith("hiroam:rate:esim-access:")  # per account, any process
    assert "sandbox-access-code" not in limiter.key  # never the credential itself
