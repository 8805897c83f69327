"""The provider catalogue sync: fetch everything, then upsert in bulk in one transaction.

- New packages get base prices from the price rule and start active or not (a setting).
- Only provider fields (and what derives from them) are ever written; admin fields never are.
- A package the provider stopped selling becomes `discontinued`; it returns if it reappears.
- A change of provider cost lands in the price history (through catalog.cost_changes).
- The number of queries does not depend on the catalogue's size; a provider failure, or any
  failure while writing, leaves the catalogue exactly as it was and the run says why.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from catalog.cache import invalidate_catalog_cache
from catalog.cost_changes import CostChange, record_cost_changes
from catalog.geography import coverage_of, region_of
from catalog.initial_prices import PriceRule, initial_prices
from catalog.models import EsimPackage, SyncRun, SyncStatus
from hiroam.integrations.errors import ProviderError
from hiroam.integrations.esim_access.results import ProviderPackage

logger = logging.getLogger(__name__)

# Fields the sync owns. Everything else on EsimPackage belongs to admins.
SYNCED_FIELDS = (
    "slug",
    "name",
    "description",
    "volume_bytes",
    "duration",
    "duration_unit",
    "data_type",
    "speed",
    "location_codes",
    "location_names",
    "operator_list",
    "provider_location_code",
    "ip_export",
    "sms_status",
    "support_topup",
    "active_type",
    "provider_price_units",
    "base_price_cents",
    "retail_price_cents",
    "coverage",
    "region",
    "auto_category",
)
SYNC_LOCK_ID = 4_201_001  # pg advisory lock: one sync at a time

Progress = Callable[[int, int], None]
BPS = 10_000


class SuspiciousCatalogue(Exception):
    """The provider's answer would remove too much of the shop at once to be trusted."""


@dataclass
class SyncCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    discontinued: int = 0
    reactivated: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated or self.discontinued or self.reactivated)


def provider_values(package: ProviderPackage) -> dict[str, Any]:
    """The synced fields of a package as the provider describes it now."""
    codes = [code.upper() for code in package.location_codes]
    coverage = coverage_of(codes, package.location_code)
    region = region_of(codes, coverage)
    return {
        "slug": package.slug or None,
        "name": package.name[:255],
        "description": package.description,
        "volume_bytes": package.volume_bytes,
        "duration": package.duration,
        "duration_unit": package.duration_unit,
        "data_type": package.data_type,
        "speed": package.speed[:50],
        "location_codes": codes,
        "location_names": {
            network.location_code: network.location_name for network in package.networks
        },
        "operator_list": [
            {
                "location": network.location_code,
                "operators": [
                    {"name": op.name, "network_type": op.network_type} for op in network.operators
                ],
            }
            for network in package.networks
        ],
        "provider_location_code": package.location_code[:20],
        "ip_export": package.ip_export[:10],
        "sms_status": package.sms_status,
        "support_topup": package.support_top_up_type in (2, 3),
        "active_type": package.active_type,
        "provider_price_units": package.price_units,
        "base_price_cents": package.price_cents,
        "retail_price_cents": package.retail_price_cents or None,
        "coverage": coverage,
        "region": region,
        "auto_category": region,
    }


def _problem(package: ProviderPackage) -> str | None:
    if not package.package_code:
        return "a package without packageCode"
    if package.volume_bytes < 0 or package.price_units < 0 or package.duration <= 0:
        return f"{package.package_code}: negative volume or price, or no duration"
    return None


def sync_catalogue(
    *,
    fetch: Callable[[], list[ProviderPackage]],
    now: datetime,
    trigger: str,
    progress: Progress | None = None,
) -> SyncRun:
    run = SyncRun.objects.create(started_at=now, trigger=trigger)
    started = time.perf_counter()
    try:
        packages = fetch()  # outside any transaction: a slow provider holds no locks
    except ProviderError as error:
        return _finish(run, started, error=f"The provider could not be reached: {error}")
    except Exception as error:  # an answer we could not read: say so, change nothing
        logger.exception("Catalogue fetch failed")
        return _finish(
            run, started, error=f"The provider's answer could not be read: {type(error).__name__}"
        )
    run.fetched = len(packages)
    if not packages:  # never take the whole shop down on one empty answer
        return _finish(run, started, error="The provider returned no package; nothing was changed.")
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SYNC_LOCK_ID])
            counts = _apply(packages, now, progress)
    except Exception as error:
        logger.exception("Catalogue sync failed; nothing was changed")
        return _finish(run, started, error=f"Nothing was changed: {type(error).__name__}: {error}")
    if counts.changed_anything:
        invalidate_catalog_cache()
    return _finish(run, started, counts=counts)


def _apply(packages: list[ProviderPackage], now: datetime, progress: Progress | None) -> SyncCounts:
    counts = SyncCounts()
    rule = PriceRule.from_settings()
    existing = {package.package_code: package for package in EsimPackage.objects.all()}
    to_create: list[EsimPackage] = []
    to_update: list[EsimPackage] = []
    cost_changes: list[CostChange] = []
    seen: set[str] = set()
    slug_owners = {package.slug: code for code, package in existing.items() if package.slug}
    for index, provider_package in enumerate(packages, start=1):
        problem = _problem(provider_package)
        if problem:
            counts.failed += 1
            counts.errors.append(problem)
            known = existing.get(provider_package.package_code)
            if known is not None:
                seen.add(known.package_code)
                if (known.sync_status, known.sync_error) != (SyncStatus.ERROR, problem):
                    known.sync_status, known.sync_error, known.synced_at = (
                        SyncStatus.ERROR,
                        problem,
                        now,
                    )
                    to_update.append(known)
            continue
        if provider_package.package_code in seen:
            counts.failed += 1
            counts.errors.append(f"{provider_package.package_code}: listed twice; the first kept")
            continue
        seen.add(provider_package.package_code)
        values = provider_values(provider_package)
        package = existing.get(provider_package.package_code)
        slug_holder = slug_owners.get(values["slug"]) if values["slug"] else None
        if slug_holder is not None and slug_holder != provider_package.package_code:
            counts.errors.append(
                f"{provider_package.package_code}: slug {values['slug']} is taken; left empty"
            )
            values["slug"] = package.slug if package is not None else None
        if values["slug"]:
            slug_owners[values["slug"]] = provider_package.package_code
        if package is None:
            usd_cents, idr = initial_prices(
                cost_cents=values["base_price_cents"],
                retail_cents=values["retail_price_cents"],
                rule=rule,
            )
            to_create.append(
                EsimPackage(
                    package_code=provider_package.package_code,
                    price_usd_cents=usd_cents,
                    price_idr=idr,
                    is_active=settings.CATALOG_NEW_PACKAGES_ACTIVE,
                    synced_at=now,
                    created_at=now,
                    **values,
                )
            )
            counts.created += 1
        else:
            _update_existing(package, values, now, counts, to_update, cost_changes)
        if progress and (index % 100 == 0 or index == len(packages)):
            progress(index, len(packages))
    EsimPackage.objects.bulk_create(to_create)
    if to_update:
        EsimPackage.objects.bulk_update(
            to_update, [*SYNCED_FIELDS, "sync_status", "sync_error", "synced_at", "updated_at"]
        )
    record_cost_changes(cost_changes, now)
    vanished = [
        package.pk
        for code, package in existing.items()
        if code not in seen and package.sync_status != SyncStatus.DISCONTINUED
    ]
    still_sold = sum(
        1 for package in existing.values() if package.sync_status != SyncStatus.DISCONTINUED
    )
    if still_sold and len(vanished) * BPS > still_sold * settings.CATALOG_SYNC_MAX_VANISHED_BPS:
        raise SuspiciousCatalogue(
            f"{len(vanished)} of {still_sold} packages would vanish at once; refusing (limit "
            f"{settings.CATALOG_SYNC_MAX_VANISHED_BPS / 100:g} %, CATALOG_SYNC_MAX_VANISHED_BPS)"
        )
    if vanished:  # no statement at all when nothing vanished: a quiet sync writes nothing
        counts.discontinued = EsimPackage.objects.filter(pk__in=vanished).update(
            sync_status=SyncStatus.DISCONTINUED, synced_at=now, updated_at=now
        )
    return counts


def _update_existing(
    package: EsimPackage,
    values: dict[str, Any],
    now: datetime,
    counts: SyncCounts,
    to_update: list[EsimPackage],
    cost_changes: list[CostChange],
) -> None:
    changed = [name for name, value in values.items() if getattr(package, name) != value]
    returning = package.sync_status != SyncStatus.ACTIVE
    if not changed and not returning:
        counts.unchanged += 1
        return
    if "base_price_cents" in changed:
        cost_changes.append(
            CostChange(package.pk, package.base_price_cents, values["base_price_cents"])
        )
    for name in changed:
        setattr(package, name, values[name])
    if returning:
        counts.reactivated += package.sync_status == SyncStatus.DISCONTINUED
        package.sync_status, package.sync_error = SyncStatus.ACTIVE, ""
    package.synced_at = package.updated_at = now
    counts.updated += bool(changed)
    to_update.append(package)


def _finish(
    run: SyncRun, started: float, *, counts: SyncCounts | None = None, error: str = ""
) -> SyncRun:
    run.finished_at = run.started_at + timedelta(seconds=time.perf_counter() - started)
    run.duration_ms = int((time.perf_counter() - started) * 1000)
    if counts is not None:
        run.status = SyncRun.Status.SUCCEEDED
        for name in ("created", "updated", "unchanged", "discontinued", "reactivated", "failed"):
            setattr(run, name, getattr(counts, name))
        run.error = "\n".join(counts.errors[:20])
    else:
        run.status, run.error = SyncRun.Status.FAILED, error
        logger.warning("Catalogue sync failed: %s", error)
    run.save()
    return run
