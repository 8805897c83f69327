"""Planning base-price changes before they are applied: bulk changes by a percentage or to a
value, and the CSV export/import of prices. Nothing here writes; `services.change_base_prices`
applies a plan, so a preview and the real change are computed by the same code.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from catalog.models import EsimPackage
from pricing.engine import BPS, round_half_up_div, usd_cents_to_idr
from pricing.services import MAX_PRICE_IDR, MAX_PRICE_USD_CENTS

CSV_COLUMNS = ("package_code", "name", "cost_usd_cents", "price_usd_cents", "price_idr")
MAX_IMPORT_ROWS = 10_000


def round_to_step(amount: int, step: int) -> int:
    """To the nearest multiple of `step` (half up): IDR prices end in round thousands."""
    step = max(1, step)
    return round_half_up_div(amount, step) * step


@dataclass(frozen=True)
class PlannedChange:
    """One package's prices now and as planned, for a preview."""

    package: EsimPackage
    price_usd_cents: int
    price_idr: int

    @property
    def changes_anything(self) -> bool:
        return (self.price_usd_cents, self.price_idr) != (
            self.package.price_usd_cents,
            self.package.price_idr,
        )

    def preview_row(self) -> list[Any]:
        """[package id, USD now, IDR now, USD planned, IDR planned]."""
        now_usd, now_idr = self.package.price_usd_cents, self.package.price_idr
        return [str(self.package.pk), now_usd, now_idr, self.price_usd_cents, self.price_idr]


def plan_by_percentage(
    packages: Iterable[EsimPackage], *, change_bps: int, idr_step: int
) -> list[PlannedChange]:
    """Every price moved by `change_bps` (-1000 = 10 % cheaper), USD half up to the cent and
    IDR half up to `idr_step`."""
    if change_bps <= -BPS:
        raise ValueError("A price cannot drop by 100 % or more.")
    return [
        PlannedChange(
            package,
            round_half_up_div(package.price_usd_cents * (BPS + change_bps), BPS),
            round_to_step(round_half_up_div(package.price_idr * (BPS + change_bps), BPS), idr_step),
        )
        for package in packages
    ]


def plan_to_value(
    packages: Iterable[EsimPackage],
    *,
    price_usd_cents: int,
    price_idr: int | None,
    usd_to_idr_rate: int,
    idr_step: int,
) -> list[PlannedChange]:
    """Every package at one price; IDR given, or converted at the rate and rounded to the step."""
    idr = (
        price_idr
        if price_idr is not None
        else round_to_step(usd_cents_to_idr(price_usd_cents, usd_to_idr_rate), idr_step)
    )
    return [PlannedChange(package, price_usd_cents, idr) for package in packages]


# ------------------------------------------------------------------------------ CSV
def export_csv(packages: Iterable[EsimPackage]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for package in packages:
        writer.writerow(
            (
                package.package_code,
                _as_text(package.title),
                package.base_price_cents,
                package.price_usd_cents,
                package.price_idr,
            )
        )
    return out.getvalue()


def _as_text(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (names come from the provider)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@dataclass(frozen=True)
class ImportPlan:
    changes: list[PlannedChange]  # only the rows that change something
    unchanged: int
    errors: list[str]  # one per refused row: a plan with errors is never applied


def _whole_number(text: str, limit: int) -> int | None:
    text = text.strip().replace(",", "").replace("_", "")
    if not re.fullmatch(r"[0-9]{1,19}", text):
        return None
    number = int(text)
    return number if number <= limit else None


def plan_import(text: str, packages_by_code: dict[str, EsimPackage]) -> ImportPlan:
    """Reads an exported (and edited) CSV: `package_code`, `price_usd_cents`, `price_idr` are
    used; other columns are for reading. Each bad row is reported with its line number."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"package_code", "price_usd_cents", "price_idr"} - set(reader.fieldnames or ())
    if missing:
        return ImportPlan([], 0, [f"Missing column(s): {', '.join(sorted(missing))}."])
    changes: list[PlannedChange] = []
    errors: list[str] = []
    seen: set[str] = set()
    unchanged = 0
    rows = enumerate(reader, start=2)
    while True:
        try:
            line, row = next(rows)
        except StopIteration:
            break
        except csv.Error as error:  # e.g. an unclosed quote swallowing the rest of the file
            return ImportPlan(
                [], 0, [f"Line {reader.line_num}: the file is not valid CSV ({error})."]
            )
        if line - 1 > MAX_IMPORT_ROWS:
            errors.append(f"More than {MAX_IMPORT_ROWS:,} rows; split the file.")
            break
        code = (row.get("package_code") or "").strip()
        usd = _whole_number(row.get("price_usd_cents") or "", MAX_PRICE_USD_CENTS)
        idr = _whole_number(row.get("price_idr") or "", MAX_PRICE_IDR)
        package = packages_by_code.get(code)
        if package is None:
            errors.append(f"Line {line}: no package {code!r}.")
        elif code in seen:
            errors.append(f"Line {line}: {code} appears twice.")
        elif usd is None or idr is None:
            errors.append(
                f"Line {line}: {code}: prices must be whole numbers from 0 to "
                f"{MAX_PRICE_USD_CENTS:,} cents and {MAX_PRICE_IDR:,} rupiah."
            )
        else:
            planned = PlannedChange(package, usd, idr)
            if planned.changes_anything:
                changes.append(planned)
            else:
                unchanged += 1
        seen.add(code)
    return ImportPlan(changes, unchanged, errors)
