"""The dashboard's pages: one section builder each, in the order the page's nav lists them.

A builder reads the summary tables for a period and returns what the page shows:
`build(period, now) -> Section` (analytics.report), where `now` is read once by the view. It
only computes; the frame (analytics.views) draws the charts, writes the tables and serves
their CSV.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from analytics.period import Period
from analytics.report import Section
from analytics.sections import (
    acquisition,
    funnel,
    overview,
    points,
    products,
    promotions,
    refunds,
)


@dataclass(frozen=True)
class SectionSpec:
    slug: str  # its URL: /admin/analytics/<slug>/
    title: str
    build: Callable[[Period, datetime], Section]


SECTIONS: dict[str, SectionSpec] = {
    spec.slug: spec
    for spec in (
        SectionSpec("overview", "Overview", overview.build),
        SectionSpec("products", "Products & places", products.build),
        SectionSpec("funnel", "Funnel", funnel.build),
        SectionSpec("acquisition", "Acquisition", acquisition.build),
        SectionSpec("promotions", "Promotions", promotions.build),
        SectionSpec("refunds", "Refunds", refunds.build),
        SectionSpec("points", "Points", points.build),
    )
}
