"""Re-encrypting columns at rest under the newest FIELD_ENCRYPTION_KEYS key, so an old key can
be dropped. Safe while the product runs: rows go in small batches, each locked only for its own
short transaction (a checkout or a fulfilment waits milliseconds at most), and a value already
under the newest key is left alone, so a run can stop and start again at any time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Cast

from hiroam.encryption import EncryptedTextField, cipher


@dataclass
class RotationReport:
    rows_seen: int = 0
    values_reencrypted: int = 0
    values_current: int = 0
    # "app_label.Model pk field" of values no configured key opens (left as they are).
    unreadable: list[str] = field(default_factory=list)


def encrypted_columns() -> Iterator[tuple[type[models.Model], list[str]]]:
    """Every model with encrypted columns, with those columns' names."""
    for model in apps.get_models():
        if model._meta.proxy:  # its rows are its concrete model's, rotated once there
            continue
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            yield model, names


def reencrypt_all(*, batch_size: int = 500) -> RotationReport:
    report = RotationReport()
    newest = Fernet(settings.FIELD_ENCRYPTION_KEYS[0].encode())
    for model, names in encrypted_columns():
        _reencrypt_model(model, names, newest, batch_size, report)
    return report


def _reencrypt_model(
    model: type[models.Model],
    names: list[str],
    newest: Fernet,
    batch_size: int,
    report: RotationReport,
) -> None:
    # The stored tokens, read as plain text (Cast skips the field's decryption).
    raw = {f"raw_{name}": Cast(name, models.TextField()) for name in names}
    last_pk = None
    while True:
        with transaction.atomic():
            batch = model._default_manager.order_by("pk").select_for_update(of=("self",))
            if last_pk is not None:
                batch = batch.filter(pk__gt=last_pk)
            rows = list(batch.annotate(**raw).values("pk", *raw)[:batch_size])
            for row in rows:
                changed = _rotated(row, names, newest, f"{model._meta.label} {row['pk']}", report)
                if changed:
                    # Plain text in, the field encrypts it with the newest key on the way out.
                    model._default_manager.filter(pk=row["pk"]).update(**changed)
        report.rows_seen += len(rows)
        if len(rows) < batch_size:
            return
        last_pk = rows[-1]["pk"]


def _rotated(
    row: dict[str, object], names: list[str], newest: Fernet, where: str, report: RotationReport
) -> dict[str, str]:
    changed = {}
    for name in names:
        token = str(row[f"raw_{name}"] or "")
        if not token:
            continue
        try:
            newest.decrypt(token.encode())
        except InvalidToken:
            pass
        else:
            report.values_current += 1
            continue
        try:
            changed[name] = cipher().decrypt(token.encode()).decode()
        except InvalidToken:
            report.unreadable.append(f"{where} {name}")
            continue
        report.values_reencrypted += 1
    return changed
