"""A section with real content for testing the dashboard's frame (the product's builders are
the lead's): two figures, a revenue chart against the previous period over a table of money
and ratios, a top-N table with a hostile package name."""

from datetime import datetime

from analytics.period import Period
from analytics.report import (
    Block,
    Chart,
    ChartKind,
    Column,
    Figure,
    Kind,
    Section,
    Series,
    Table,
)
from analytics.sections import SectionSpec

SLUG = "frame-test"
HOSTILE = '<script>alert("x")</script>=HYPERLINK("http://evil")'


def build(period: Period, now: datetime) -> Section:
    buckets = period.buckets()[:3]
    labels = tuple(bucket.label for bucket in buckets)
    revenue = (123_456, 0, 99_900)[: len(labels)]
    previous = (100_000, 50_000, None)[: len(labels)]
    currency = period.currency
    return Section(
        figures=(
            Figure("Revenue", sum(revenue), sum(p or 0 for p in previous), Kind.MONEY, currency),
            Figure("Conversion", 1234, None, Kind.BPS),
        ),
        blocks=(
            Block(
                "Revenue over time",
                Chart(
                    ChartKind.COLUMNS,
                    "Revenue",
                    labels,
                    (Series("This period", revenue), Series("Previous period", previous)),
                    Kind.MONEY,
                    currency,
                ),
                Table(
                    "revenue",
                    "Revenue by bucket",
                    (
                        Column("bucket", "Bucket", Kind.TEXT),
                        Column("revenue", "Revenue", Kind.MONEY),
                        Column("conversion", "Conversion", Kind.BPS),
                    ),
                    tuple(
                        (label, value, 1250) for label, value in zip(labels, revenue, strict=True)
                    ),
                    currency=currency,
                ),
            ),
            Block(
                "Top packages",
                Chart(
                    ChartKind.BARS,
                    "Units by package",
                    (HOSTILE,),
                    (Series("Units", (7,)),),
                    Kind.COUNT,
                ),
                Table(
                    "top-packages",
                    "Units by package",
                    (Column("package", "Package", Kind.TEXT), Column("units", "Units", Kind.COUNT)),
                    ((HOSTILE, 7),),
                ),
            ),
        ),
    )


SPEC = SectionSpec(SLUG, "Frame test", build)
