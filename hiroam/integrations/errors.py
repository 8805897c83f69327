"""Failures of calls to providers, each knowing whether trying again can help."""


class ProviderError(Exception):
    """A provider call failed. `retryable` says whether the same call may succeed later;
    `counts_against_circuit` whether it says the provider itself is in trouble."""

    retryable: bool = False
    counts_against_circuit: bool = False

    def __init__(self, message: str, *, provider: str, code: str | None = None) -> None:
        super().__init__(message)
        self.provider = provider
        self.code = code


class ProviderUnavailable(ProviderError):
    """Timeouts, connection failures, 5xx, "system busy": the provider is struggling."""

    retryable = True
    counts_against_circuit = True


class ProviderTimeout(ProviderUnavailable):
    pass


class CircuitOpenError(ProviderError):
    """We stopped calling the provider for a while after repeated failures."""

    retryable = False
