"""Create the daily expired-snippet sweep, so it exists (and shows in the admin) after migrate."""

from django.conf import settings
from django.db import migrations

SWEEP_NAME = "Delete expired snippets"
SWEEP_TASK = "shared_tasks.snippets.delete_expired_snippets"


def create_sweep(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    midnight, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="0",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.get_or_create(
        name=SWEEP_NAME,
        defaults={
            "task": SWEEP_TASK,
            "crontab": midnight,
            "description": "Deletes snippets whose expiry time has passed, in batches.",
        },
    )


def delete_sweep(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SWEEP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("djangobin", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_sweep, delete_sweep)]
