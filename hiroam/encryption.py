"""Encryption at rest for sensitive columns (plan 24.1: eSIM activation codes).

Fernet (AES-128-CBC + HMAC-SHA256) with keys from FIELD_ENCRYPTION_KEYS: the first key
encrypts, every key decrypts, so keys rotate by putting a new one first and re-saving rows
before the old one is dropped. A value read with no matching key raises; it is never shown
or logged.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

__all__ = ["EncryptedTextField", "InvalidToken", "decrypt", "encrypt"]


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def cipher() -> MultiFernet:
    return _cipher(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(text: str) -> str:
    return cipher().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    return cipher().decrypt(token.encode()).decode()


class EncryptedTextField(models.TextField):
    """Text stored encrypted. It cannot be searched or filtered by value."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return decrypt(value) if value else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return encrypt(value) if value else value
