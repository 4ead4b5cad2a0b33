from django.db import migrations, models
from django.db.models.functions import Now


def cancelled_before(apps, schema_editor):
    # Events cancelled before the notices existed are not announced now, years late.
    Event = apps.get_model("events", "Event")
    Event.objects.filter(status="cancelled").update(cancellation_notices_at=Now())


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0010_answers_field"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="cancellation_notices_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="cancellation notices sent at"
            ),
        ),
        migrations.RunPython(cancelled_before, migrations.RunPython.noop),
    ]
