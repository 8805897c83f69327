# The provider's cost changes now live in pricing's price history; pricing 0002 copies the
# rows recorded so far before this drops their table.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("pricing", "0002_package_prices_and_cost_history"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="providercostchange",
            name="cost_change_by_package",
        ),
        migrations.DeleteModel(
            name="ProviderCostChange",
        ),
    ]
