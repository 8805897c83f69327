# "Package prices" in Admin (a proxy of the catalogue's package), and the provider cost changes
# recorded so far by the catalogue, copied into the price history.

from django.db import migrations


def copy_cost_changes(apps, schema_editor):
    cost_change = apps.get_model("catalog", "ProviderCostChange")
    price_history = apps.get_model("pricing", "PriceHistory")
    price_history.objects.bulk_create(
        price_history(
            package_id=change.package_id,
            field="base_price_cents",
            old_value=change.old_cost_cents,
            new_value=change.new_cost_cents,
            reason="provider cost changed (catalogue sync)",
            changed_at=change.changed_at,
        )
        for change in cost_change.objects.iterator()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("pricing", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="PackagePrice",
            fields=[],
            options={
                "verbose_name": "package price",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("catalog.esimpackage",),
        ),
        migrations.RunPython(copy_cost_changes, migrations.RunPython.noop),
    ]
