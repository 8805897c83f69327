"""The analytics dashboard (issue 13) on two years of generated orders: how long each page takes
for a 12-month range, how long the refresh job takes for one day of new data, and a rebuild.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hiroam_bench_analytics \\
        .venv/bin/python bench/analytics_data.py --reset             # 1,000,000 orders first
    .venv/bin/python bench/analytics_dashboard.py [--rebuild] [--append-days 3] [--rounds 20]

Runs on the generator's database (hiroam_bench_analytics) and the bench Redis (db 13).
`--rebuild` times `refresh.rebuild` (what the nightly job and `refresh_analytics --full` do);
`--append-days N` adds N days of new orders after the newest (bench/analytics_data.py's
generate_day, ~1,400 orders a day, with the late events on older orders a day brings) and
times the refresh that follows each. Then gunicorn serves the dashboard with production
settings and a staff session asks each page `--rounds` times for the 12 months to the newest
order, one request at a time: p50/p95/max per page, and a CSV export.

Targets (issue 13): p95 < 300 ms per page; the refresh < 5 s per day of new data.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from importlib import import_module
from pathlib import Path

import requests
from support import PRODUCTION_LIKE, ROOT, bench_environment, free_port, use_django, web_server

DATABASE = "postgres://postgres@127.0.0.1:5432/hiroam_bench_analytics"
STAFF_EMAIL = "analytics-bench@example.com"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="time a rebuild first")
    parser.add_argument("--append-days", type=int, default=0, help="days of new orders to time")
    parser.add_argument("--orders-a-day", type=int, default=1_400, help="orders in each new day")
    parser.add_argument(
        "--time-day", type=date.fromisoformat, help="time a refresh of that day's changes"
    )
    parser.add_argument("--rounds", type=int, default=20, help="requests per page")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--screenshot", metavar="DIR", help="also photograph the overview and acquisition pages"
    )
    options = parser.parse_args()

    port = free_port()
    env = bench_environment(port, DATABASE_URL=DATABASE, **PRODUCTION_LIKE)
    use_django(env)
    from django.utils import timezone

    from analytics import refresh

    if options.rebuild:
        outcome = refresh.rebuild(now=timezone.now())
        print(
            f"rebuild: {outcome.duration_ms / 1000:.1f} s "
            f"({outcome.days} days, {outcome.customers} customers)"
        )
    refresh.refresh(now=timezone.now())  # whatever the generator left since
    for _ in range(options.append_days):
        day = _newest_order_day() + timedelta(days=1)
        subprocess.run(
            [
                *(sys.executable, "bench/analytics_data.py", "--append-day", day.isoformat()),
                *("--orders", str(options.orders_a_day)),
            ],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        _time_refresh_of(day)
    if options.time_day:
        _time_refresh_of(options.time_day)
    _time_pages(env, port, options)


def _time_refresh_of(day: date) -> None:
    """The refresh of one whole day of changes: the generator dates what it writes in the
    past, so the watermark goes back to the day's start, as if the last run were then."""
    from django.utils import timezone

    from analytics import refresh
    from analytics.models import RefreshState

    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    RefreshState.objects.filter(pk=1).update(watermark=start + refresh.LATE_COMMIT_MARGIN)
    outcome = refresh.refresh(now=timezone.now())
    print(
        f"refresh of {day}: {outcome.duration_ms / 1000:.2f} s "
        f"({outcome.days} sales days, {outcome.customers} customers recomputed)"
    )


def _newest_order_day() -> date:
    from orders.models import Order

    newest = Order.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    if newest is None:
        sys.exit("No orders: generate them first (bench/analytics_data.py).")
    return newest.date()


def _staff_cookie() -> str:
    """A session of a superuser, written straight into the session store."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.models import User

    user = User.objects.filter(email=STAFF_EMAIL).first() or User.objects.create_superuser(
        STAFF_EMAIL, "analytics-bench-password"
    )
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _time_pages(env: dict[str, str], port: int, options: argparse.Namespace) -> None:
    from analytics.sections import SECTIONS

    end = _newest_order_day()
    start = end - timedelta(days=364)
    query = f"?start={start}&end={end}&currency=USD&granularity=month"
    cookie = _staff_cookie()
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    with web_server(env, port, workers=options.workers) as base:
        client = requests.Session()
        client.headers["Cookie"] = cookie
        print(f"12 months: {start} to {end}, USD, by month; {options.rounds} requests a page")
        pages = [f"/admin/analytics/{slug}/{query}" for slug in SECTIONS]
        pages.append(f"/admin/analytics/products/{query}&csv=packages")
        for path in pages:
            client.get(base + path, timeout=60).raise_for_status()  # warm the worker
            took = []
            for _ in range(options.rounds):
                started = time.perf_counter()
                response = client.get(base + path, timeout=60)
                took.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
            took.sort()
            p95 = took[max(0, round(len(took) * 0.95) - 1)]
            print(
                f"{path.split('?')[0]:<34} {'csv' if 'csv=' in path else 'page':<4} "
                f"p50 {statistics.median(took):6.1f} ms  p95 {p95:6.1f} ms  "
                f"max {took[-1]:6.1f} ms  {len(response.content) / 1024:6.1f} KB"
            )
        if options.screenshot:
            _photograph(base, query, cookie, options.screenshot)


def _photograph(base: str, query: str, cookie: str, folder: str) -> None:
    """Full-page pictures for the admin guide, in Debian's Chromium at a desktop width."""
    from playwright.sync_api import sync_playwright

    name, value = cookie.split("=", 1)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            chromium_sandbox=False,
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": name, "value": value, "url": base}])
        page = context.new_page()
        for slug in ("overview", "acquisition"):
            page.goto(f"{base}/admin/analytics/{slug}/{query}")
            path = Path(folder) / f"analytics-{slug}.png"
            page.screenshot(path=str(path), full_page=True)
            print(f"screenshot: {path}")
        browser.close()


if __name__ == "__main__":
    main()
