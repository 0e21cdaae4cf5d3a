"""Call-back requests no longer point to the response they came with."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def copy_from_response(apps, schema_editor):
    Contact = apps.get_model("surveys", "Contact")
    for contact in Contact.objects.select_related("response"):
        contact.campaign_id = contact.response.campaign_id
        contact.commune_id = contact.response.commune_id
        contact.received_on = contact.response.submitted_at.date()
        contact.save(update_fields=["campaign", "commune", "received_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0001_initial"),
        ("territories", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="campaign",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="contacts",
                to="surveys.campaign",
                verbose_name="campagne",
            ),
        ),
        migrations.AddField(
            model_name="contact",
            name="commune",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                to="territories.commune",
                verbose_name="commune",
            ),
        ),
        migrations.AddField(
            model_name="contact",
            name="received_on",
            field=models.DateField(default=django.utils.timezone.localdate, verbose_name="reçue le"),
        ),
        migrations.AddField(
            model_name="contact",
            name="handled_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="handled_contacts",
                to=settings.AUTH_USER_MODEL,
                verbose_name="traitée par",
            ),
        ),
        migrations.RunPython(copy_from_response, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="contact",
            name="campaign",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="contacts",
                to="surveys.campaign",
                verbose_name="campagne",
            ),
        ),
        migrations.AlterField(
            model_name="contact",
            name="commune",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                to="territories.commune",
                verbose_name="commune",
            ),
        ),
        migrations.RemoveField(model_name="contact", name="response"),
        migrations.RemoveField(model_name="contact", name="created_at"),
        migrations.AlterField(
            model_name="contact",
            name="handled_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="traitée le"),
        ),
        migrations.AlterModelOptions(
            name="contact",
            options={
                "ordering": ["handled_at", "received_on", "pk"],
                "verbose_name": "demande de rappel",
                "verbose_name_plural": "demandes de rappel",
            },
        ),
    ]
