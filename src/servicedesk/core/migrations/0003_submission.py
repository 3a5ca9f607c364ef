"""Form submissions seen: every create from a form happens once per submission."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0002_sign_in_tries")]

    operations = [
        migrations.CreateModel(
            name="Submission",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=100, unique=True)),
                ("created", models.CharField(max_length=120)),
                ("at", models.DateTimeField(db_index=True)),
            ],
        ),
    ]
