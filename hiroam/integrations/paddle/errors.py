from hiroam.integrations.errors import ProviderError

PROVIDER = "paddle"


class PaddleError(ProviderError):
    """Paddle refused the request (4xx): `code` is Paddle's error code, e.g. `not_found`."""

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message, provider=PROVIDER, code=code)
        self.status = status
