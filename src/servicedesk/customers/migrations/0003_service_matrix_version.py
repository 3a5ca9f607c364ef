"""The service matrix's version number per customer (dropped again by 0004).

It was kept by triggers that this migration made; 0004 drops them with the number, so a database migrated
today never gets them.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_portal_and_billing")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="matrix_version",
            field=models.BigIntegerField(default=0, editable=False),
        ),
    ]
