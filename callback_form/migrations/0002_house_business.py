"""Lasso's own form at /request-callback/ belongs to a house business, "Lasso"."""

from django.db import migrations

HOUSE_SLUG = "lasso"


def create_house_business(apps, schema_editor):
    Business = apps.get_model("tenants", "Business")
    Business.objects.get_or_create(slug=HOUSE_SLUG, defaults={"name": "Lasso"})


class Migration(migrations.Migration):
    dependencies = [
        ("callback_form", "0001_initial"),
        ("tenants", "0001_initial"),
    ]
    # Not reversed: the business may have gathered requests by then, and deleting it would
    # cascade to them.
    operations = [migrations.RunPython(create_house_business, migrations.RunPython.noop)]
