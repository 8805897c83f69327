from tests.orders.conftest import paddle_sandbox  # noqa: F401 (the live server's Paddle)
