"""A third contact right, "may approve quotes" (POLICY.md §10): the main contact's by default, so every existing
main contact gets it, recorded in the customer's change record as a grant would be."""

from django.db import migrations, models
from django.utils import timezone


def grant_main_contacts(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    Contact = apps.get_model("customers", "Contact")
    CustomerChange = apps.get_model("customers", "CustomerChange")
    now = timezone.now()
    mains = Contact.objects.filter(pk__in=Customer.objects.exclude(main_contact=None).values("main_contact"))
    changes = [
        CustomerChange(
            customer_id=contact.customer_id,
            contact_id=contact.pk,
            at=now,
            field="may_approve_quotes",
            old_value="nee",
            new_value="ja",
            reason="hoofdcontact",
        )
        for contact in mains
    ]
    mains.update(may_approve_quotes=True)
    CustomerChange.objects.bulk_create(changes, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="may_approve_quotes",
            field=models.BooleanField(default=False, verbose_name="may approve quotes"),
        ),
        migrations.RunPython(grant_main_contacts, migrations.RunPython.noop),
    ]
