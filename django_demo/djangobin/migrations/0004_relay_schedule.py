"""Schedule the outbox relay every minute, so it exists (and shows in the admin) after migrate."""

from django.db import migrations

RELAY_NAME = "Relay the outbox"
RELAY_TASK = "shared_tasks.outbox.relay_outbox"


def create_relay(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=RELAY_NAME,
        defaults={
            "task": RELAY_TASK,
            "interval": every_minute,
            # While no worker runs, relays queue up; each is stale after its minute.
            "expire_seconds": 60,
            "description": "Sends task messages that a view could not send (broker down).",
        },
    )


def delete_relay(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=RELAY_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("djangobin", "0003_outbox"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_relay, delete_relay)]
