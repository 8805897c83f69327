"""The Paddle sandbox for tests, over real HTTP (a live server)."""

import pytest

from hiroam.integrations.paddle import paddle_client

WEBHOOK = "/webhooks/paddle"


@pytest.fixture
def paddle_sandbox(live_server, settings):
    """The product's Paddle client pointed at the sandbox on the live server."""
    settings.APP_URL = live_server.url
    settings.PADDLE_API_URL = f"{live_server.url}/sandbox/paddle"
    settings.SANDBOX_PADDLE_WEBHOOK_URL = f"{live_server.url}{WEBHOOK}"
    paddle_client.cache_clear()
    yield live_server
    paddle_client.cache_clear()
