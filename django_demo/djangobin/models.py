from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from shared_tasks.choices import EXPIRATION_CHOICES, expiry_time, new_slug
from shared_tasks.outbox import TaskMessage


class SnippetQuerySet(models.QuerySet):
    def live(self, now=None):
        """Snippets still visible: an expired one is gone before the sweep deletes it."""
        now = now or timezone.now()
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))

    # The sweep's statements; shared_tasks.snippets.sweep decides the batches.

    def expiring(self, start, end, *, inclusive=True):
        """Snippets expiring from ``start`` (None: the first) to ``end``, in index order."""
        rows = self.filter(Q(expires_at__lte=end) if inclusive else Q(expires_at__lt=end))
        if start is not None:
            rows = rows.filter(expires_at__gte=start)
        # An explicit order: the model's default (-created_at) would make every
        # batch sort all the expired rows to find where it ends.
        return rows.order_by("expires_at")

    def batch_end(self, start, now, size: int):
        times = self.expiring(start, now).values_list("expires_at", flat=True)[size - 1 : size]
        return next(iter(times), None)

    def delete_before(self, start, end) -> int:
        return self.expiring(start, end, inclusive=False).delete()[0]

    def delete_at(self, moment, limit: int) -> int:
        keys = self.filter(expires_at=moment).values_list("pk", flat=True)[:limit]
        return self.filter(pk__in=list(keys)).delete()[0]

    def delete_expired(self, start, now) -> int:
        return self.expiring(start, now).delete()[0]


class Snippet(models.Model):
    slug = models.SlugField(max_length=16, unique=True, default=new_slug, editable=False)
    title = models.CharField(max_length=200, blank=True)
    code = models.TextField()
    expiration = models.CharField(max_length=8, choices=EXPIRATION_CHOICES, default="never")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Stored and indexed, so both the 404 check and the sweep are one index range scan.
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True, editable=False)

    objects = SnippetQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.title or f"Untitled snippet {self.slug}"

    def save(self, *args, **kwargs):
        self.expires_at = expiry_time(self.expiration, self.created_at)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("snippet", args=[self.slug])


class OutboxQuerySet(models.QuerySet):
    """The outbox table as the shared tasks use it (``shared_tasks.framework.Outbox``)."""

    def add(self, message: TaskMessage) -> None:
        self.create(id=message.id, task=message.task, kwargs=message.kwargs)

    def waiting(self, older_than: float, limit: int) -> list[TaskMessage]:
        cutoff = timezone.now() - timedelta(seconds=older_than)
        rows = self.filter(created_at__lte=cutoff)[:limit]
        return [TaskMessage(row.task, row.kwargs, str(row.id)) for row in rows]

    def remove(self, message: TaskMessage) -> None:
        self.filter(id=message.id).delete()


class OutboxMessage(models.Model):
    """A task message written with the rows it is about (see ``shared_tasks.outbox``)."""

    # The task id the message is sent with, so its result row can be found.
    id = models.UUIDField(primary_key=True)
    task = models.CharField(max_length=200)
    kwargs = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = OutboxQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.task} ({self.id})"
