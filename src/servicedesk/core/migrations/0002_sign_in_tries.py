"""Sign-in tries counted per key in one row, reserved atomically (the failures table let parallel tries pass)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="SignInTries",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=300, unique=True)),
                ("window_start", models.DateTimeField()),
                ("tries", models.PositiveIntegerField(default=0)),
            ],
            options={"verbose_name_plural": "sign-in tries"},
        ),
        migrations.DeleteModel(name="LoginFailure"),
    ]
