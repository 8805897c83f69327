"""Checkouts per second and their latency, and Paddle webhook acknowledgements per second.

    apt-get install wrk   # once
    .venv/bin/python bench/checkout_load.py [--seconds 20] [--connections 10]

Runs on its own database (hiroam_bench). The shop (gunicorn, 4 workers) calls the sandbox
Paddle on a second server, as it would call Paddle: each checkout prices the cart, holds stock,
writes the order and opens a Paddle transaction over HTTP. Webhooks are pre-signed with the
bench's secret (unique event ids, a long signature tolerance so they stay valid while wrk
replays them) and are acknowledged without a worker: verify, store raw, queue.

Targets (issue 6): at least 50 checkouts/s with p95 under 200 ms at 10 concurrent clients;
at least 300 webhook acknowledgements/s.
"""

import argparse
import json
import time

from support import (
    WRK_DONE,
    bench_environment,
    free_port,
    prepare_database,
    use_django,
    web_server,
    wrk_summary,
)

CHECKOUT_LUA = (
    """
counter = 0
threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("id", threads)
end
request = function()
  counter = counter + 1
  local body = '{"items": [{"packageId": "PACKAGE", "quantity": 1}], '
    .. '"email": "traveller' .. id .. '-' .. counter .. '@example.com"}'
  return wrk.format("POST", "/api/v1/checkout", {["Content-Type"] = "application/json"}, body)
end
"""
    + WRK_DONE
)

WEBHOOK_LUA = (
    """
events = dofile("EVENTS")
counter = 0
threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("id", threads)
end
request = function()
  counter = counter + 1
  local event = events[((id - 1) * 100000 + counter) % #events + 1]
  return wrk.format("POST", "/webhooks/paddle",
    {["Content-Type"] = "application/json", ["Paddle-Signature"] = event[1]}, event[2])
end
"""
    + WRK_DONE
)


def lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def signed_events(count: int, secret: str) -> str:
    """A Lua file returning `count` distinct signed Paddle events {signature, body}."""
    from hiroam.integrations.paddle.signature import signature_header

    now = int(time.time())
    rows = []
    for number in range(count):
        body = json.dumps(
            {
                "event_id": f"evt_bench{number:08d}",
                "event_type": "transaction.updated",
                "occurred_at": "2026-11-25T00:00:00Z",
                "data": {"id": f"txn_bench{number:08d}", "custom_data": {}},
            }
        )
        header = signature_header(secret=secret, body=body.encode(), timestamp=now)
        rows.append("{" + lua_string(header) + ", " + lua_string(body) + "}")
    return "return {\n" + ",\n".join(rows) + "\n}\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--webhook-connections", type=int, default=20)
    options = parser.parse_args()
    sandbox_port, shop_port = free_port(), free_port()
    secret = "pdl_ntf_bench_secret"  # noqa: S105 (the bench servers only)
    common = {
        "THROTTLING_ENABLED": "false",
        "PADDLE_WEBHOOK_SECRET": secret,
        "PADDLE_WEBHOOK_TOLERANCE_SECONDS": "3600",
    }
    sandbox_env = bench_environment(sandbox_port, **common)
    shop_env = bench_environment(
        shop_port, PADDLE_API_URL=f"http://127.0.0.1:{sandbox_port}/sandbox/paddle", **common
    )
    prepare_database(shop_env)
    use_django(shop_env)
    from catalog.models import EsimPackage
    from tests.catalog.factories import PackageFactory

    package = EsimPackage.objects.filter(package_code="BENCH-CHECKOUT").first()
    package = package or PackageFactory.create(package_code="BENCH-CHECKOUT", slug=None)
    with open("/tmp/hiroam-bench-events.lua", "w") as file:  # noqa: S108 (a bench scratch file)
        file.write(signed_events(20_000, secret))
    with (
        web_server(sandbox_env, sandbox_port),
        web_server(shop_env, shop_port) as shop,
    ):
        script = CHECKOUT_LUA.replace("PACKAGE", str(package.pk))
        wrk_summary(shop, 3, options.connections, script)  # warm-up
        result = wrk_summary(shop, options.seconds, options.connections, script)
        print(f"checkout   {options.connections} clients, {options.seconds} s: {result}")
        script = WEBHOOK_LUA.replace("EVENTS", "/tmp/hiroam-bench-events.lua")  # noqa: S108
        result = wrk_summary(shop, options.seconds, options.webhook_connections, script)
        print(f"webhooks   {options.webhook_connections} clients, {options.seconds} s: {result}")


if __name__ == "__main__":
    main()
