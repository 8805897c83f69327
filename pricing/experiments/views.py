"""Views of experiment prices: one per visitor per experiment per day, buffered in Redis and
flushed to the database in batches by a task (never a database write per request).

A web process gathers the views it served and sends them to Redis every half second in one
round trip (EXPERIMENT_VIEWS_SEND_SECONDS): for each, a script adds the visitor to the
experiment's set of the day (SADD answers whether they were new) and, only then, queues the
view. Concurrent requests of one visitor therefore queue one view between them. The flush
stores a batch, then trims it from the queue: a worker that dies between the two leaves the
batch queued, and storing it again adds nothing (the tables' unique keys, and the counts come
from the rows inserted).

The day is UTC. With Redis down, views are not counted (said in the log once a minute): the
price is still shown, and the figures are a sample, never a guess.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from redis.exceptions import LockNotOwnedError

from hiroam.redis_cache import redis_client

logger = logging.getLogger(__name__)

QUEUE = "hiroam:experiments:views"
SEEN = "hiroam:experiments:seen"  # + ":<day>:<experiment id>": the visitors counted that day
SEEN_SECONDS = 2 * 24 * 3600  # the day's set outlives the day (clocks differ a little)
FLUSH_LOCK = "hiroam:experiments:flush"
FLUSH_LOCK_SECONDS = 120  # a flush that died frees the queue for the next after this
BATCH_SIZE = 5_000

# Many views in one call. KEYS: the queue, then the "seen" set of each (view, experiment);
# ARGV: the sets' lifetime, then for each of those the visitor and the entry to queue.
# Returns how many were new.
_RECORD = """
local queued = 0
for i = 2, #KEYS do
  if redis.call('SADD', KEYS[i], ARGV[2 * i - 2]) == 1 then
    redis.call('EXPIRE', KEYS[i], ARGV[1])
    redis.call('RPUSH', KEYS[1], ARGV[2 * i - 1])
    queued = queued + 1
  end
end
return queued
"""
_last_warning = 0.0
_scripts: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def _redis() -> Any:
    return redis_client()


def _record_script(client: Any) -> Any:
    """The recording script for `client` (EVALSHA; loaded into Redis on first use)."""
    script = _scripts.get(client)
    if script is None:
        script = _scripts[client] = client.register_script(_RECORD)
    return script


def _not_counted(error: Exception) -> None:
    global _last_warning  # once a minute per process is enough
    if time.monotonic() - _last_warning > 60:
        _last_warning = time.monotonic()
        logger.warning("Experiment views not counted (Redis unreachable): %s", error)


@dataclass(frozen=True)
class _View:
    visitor: str
    shown: tuple[tuple[str, str], ...]  # (experiment id, variant id)
    day: str  # UTC, ISO 8601


def record(visitor: str, shown: Sequence[tuple[str, str]], now: datetime) -> None:
    """Counts a view of each (experiment id, variant id) in `shown` by `visitor` on `now`'s
    day, unless already counted that day. The process sends its views to Redis every
    EXPERIMENT_VIEWS_SEND_SECONDS, all in one round trip (0: at once)."""
    if not shown:
        return
    view = _View(visitor, tuple(shown), now.date().isoformat())
    if settings.EXPERIMENT_VIEWS_SEND_SECONDS <= 0:
        send_views([view])
    else:
        _outbox.add(view)


def send_views(views: Sequence[_View]) -> int:
    """Into Redis in one call; answers how many views were new."""
    keys: list[str] = [QUEUE]
    args: list[int | str] = [SEEN_SECONDS]
    for view in views:
        for experiment_id, variant_id in view.shown:
            keys.append(f"{SEEN}:{view.day}:{experiment_id}")
            args += [view.visitor, f"{experiment_id} {variant_id} {view.visitor} {view.day}"]
    if len(keys) == 1:
        return 0
    try:
        return int(_record_script(_redis())(keys=keys, args=args))
    except Exception as error:  # Redis down: the pages were shown all the same
        _not_counted(error)
        return 0


class _Outbox:
    """This process's views waiting to be sent: a daemon thread sends them, and what is left
    when the process exits. A process killed outright loses at most that interval's views."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Empty, unlocked and without a sender: a new process's (a fork child's, too)."""
        self._lock = threading.Lock()
        self._views: list[_View] = []
        self._pid = 0

    def add(self, view: _View) -> None:
        with self._lock:
            self._views.append(view)
            if self._pid != os.getpid():  # the first view of this process (a fork has no thread)
                self._pid = os.getpid()
                threading.Thread(
                    target=self._send_forever, name="experiment-views", daemon=True
                ).start()

    def take(self) -> list[_View]:
        with self._lock:
            views, self._views = self._views, []
        return views

    def _send_forever(self) -> None:
        while True:
            time.sleep(settings.EXPERIMENT_VIEWS_SEND_SECONDS or 0.5)
            send_views(self.take())


_outbox = _Outbox()
# A forked child starts with no views of its parent's (the parent sends them) and a free lock.
os.register_at_fork(after_in_child=_outbox.reset)


def send_pending() -> int:
    """Sends this process's views now: at exit, and by a process that ends without running
    exit handlers (os._exit, as multiprocessing's children do)."""
    return send_views(_outbox.take())


atexit.register(send_pending)


def queued_views() -> int:
    """How many views wait to be flushed."""
    return int(_redis().llen(QUEUE))


_ENTRY = re.compile(r"([0-9a-f-]{36}) ([0-9a-f-]{36}) ([^ ]{1,80}) ([0-9]{4}-[0-9]{2}-[0-9]{2})")


def _parsed(entries: Sequence[bytes]) -> list[list[str]]:
    """The entries' columns: experiment ids, variant ids, visitors, days. An entry not of the
    queue's shape is skipped (one bad entry must not hold up the queue for good)."""
    columns: list[list[str]] = [[], [], [], []]
    for entry in entries:
        if found := _ENTRY.fullmatch(entry.decode(errors="replace")):
            for column, part in zip(columns, found.groups(), strict=True):
                column.append(part)
    return columns


# One statement per batch. Entries of a variant since deleted are left out (no such variant);
# a visitor's first view is their assignment (kept if they have one, as a carried-over account
# does); a variant's day counts the views and the new visitors that were really inserted.
_STORE = """
WITH batch AS (
    SELECT DISTINCT variant.experiment_id, variant.id AS variant_id, entry.visitor,
           entry.day::date AS day
    FROM unnest(%(experiments)s::text[], %(variants)s::text[], %(visitors)s::text[],
                %(days)s::text[]) AS entry (experiment_id, variant_id, visitor, day)
    JOIN pricing_pricevariant AS variant
      ON variant.id = entry.variant_id::uuid AND variant.experiment_id = entry.experiment_id::uuid
), new_views AS (
    INSERT INTO pricing_experimentview (experiment_id, variant_id, visitor, day)
    SELECT experiment_id, variant_id, visitor, day FROM batch
    ON CONFLICT DO NOTHING
    RETURNING variant_id, day
), first_views AS (
    SELECT DISTINCT ON (experiment_id, visitor) experiment_id, variant_id, visitor, day
    FROM batch ORDER BY experiment_id, visitor, day
), new_visitors AS (
    INSERT INTO pricing_experimentassignment
        (experiment_id, variant_id, visitor, carried_over, assigned_at)
    SELECT experiment_id, variant_id, visitor, false, %(now)s FROM first_views
    ON CONFLICT DO NOTHING
    RETURNING experiment_id, visitor
), counts AS (
    SELECT variant_id, day, count(*) AS views, 0 AS visitors FROM new_views GROUP BY 1, 2
    UNION ALL
    SELECT first_views.variant_id, first_views.day, 0, count(*)
    FROM new_visitors JOIN first_views USING (experiment_id, visitor)
    GROUP BY 1, 2
)
INSERT INTO pricing_experimentvariantday (variant_id, day, views, visitors)
SELECT variant_id, day, sum(views), sum(visitors) FROM counts GROUP BY 1, 2
ON CONFLICT (variant_id, day) DO UPDATE
SET views = pricing_experimentvariantday.views + excluded.views,
    visitors = pricing_experimentvariantday.visitors + excluded.visitors
"""


def _store(entries: Sequence[bytes], now: datetime) -> None:
    experiments, variants, visitors, days = _parsed(entries)
    if not experiments:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        # The planner sees the batch as a few rows; matching 5,000 new visitors to their first
        # views row by row would take seconds instead of milliseconds.
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(
            _STORE,
            {
                "experiments": experiments,
                "variants": variants,
                "visitors": visitors,
                "days": days,
                "now": now,
            },
        )


def flush_views(*, now: datetime, batch_size: int = BATCH_SIZE) -> int:
    """Stores the queued views, a batch at a time, until the queue is empty. One flush at a
    time (a Redis lock); a second one finds it taken and leaves. Returns the entries read."""
    client = _redis()
    lock = client.lock(FLUSH_LOCK, timeout=FLUSH_LOCK_SECONDS)
    if not lock.acquire(blocking=False):
        return 0
    flushed = 0
    try:
        while entries := client.lrange(QUEUE, 0, batch_size - 1):
            lock.reacquire()  # a batch has the lock's whole life; raises if it was lost
            _store(entries, now)
            if not lock.owned():  # this batch outlived the lock: another flush stores it again
                break
            client.ltrim(QUEUE, len(entries), -1)  # only after the batch is committed
            flushed += len(entries)
    except LockNotOwnedError:
        logger.warning("A flush of experiment views lost its lock; the next one goes on")
    finally:
        if lock.owned():
            lock.release()
    return flushed
