"""eSIM Access error codes (PROVIDERS.md) as typed exceptions."""

from hiroam.integrations.errors import ProviderError, ProviderUnavailable

PROVIDER = "esim_access"


class EsimAccessError(ProviderError):
    """A refusal in the envelope (`success: false`) that trying again will not fix."""


class EsimAccessRetryableError(EsimAccessError):
    retryable = True


class ProfilesNotReady(EsimAccessRetryableError):
    """200010: the order's profiles are still being allocated; query again later. The provider
    is fine, so this does not count against the circuit."""


class SystemBusy(EsimAccessRetryableError):
    """900001: the provider is overloaded."""

    counts_against_circuit = True


class TimestampExpired(EsimAccessRetryableError):
    """101001: our clock or a slow network; each attempt is signed afresh."""


class InsufficientBalance(EsimAccessError):
    """200007: our prepaid balance cannot pay for the order; top it up."""


class NoProfilesAvailable(EsimAccessError):
    """200011: the provider has no stock of this package now."""


class PackageNotFound(EsimAccessError):
    """310241."""


class OrderNotFound(EsimAccessError):
    """310272."""


class OperationNotAllowed(EsimAccessError):
    """200002: e.g. cancelling a profile that was already installed."""


class RequestRejected(EsimAccessError):
    """000101-000106, 101003, 200005, 200006: our request is malformed, unsigned or priced
    wrongly. A bug or a misconfiguration on our side: alert, don't retry."""


_BY_CODE: dict[str, type[EsimAccessError]] = {
    "200010": ProfilesNotReady,
    "900001": SystemBusy,
    "101001": TimestampExpired,
    "200007": InsufficientBalance,
    "200011": NoProfilesAvailable,
    "310241": PackageNotFound,
    "310272": OrderNotFound,
    "200002": OperationNotAllowed,
}


def error_for_code(code: str | None, message: str | None) -> EsimAccessError:
    error_class = _BY_CODE.get(code or "", RequestRejected)
    return error_class(message or f"eSIM Access error {code}", provider=PROVIDER, code=code)


def unavailable(message: str) -> ProviderUnavailable:
    """An answer we cannot read (not JSON, not an envelope): treat it as a passing fault."""
    return ProviderUnavailable(message, provider=PROVIDER)
