import secrets
from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from shared_tasks.domain import EXPIRATION_CHOICES, expiry_time
from shared_tasks.framework import Message


def new_slug() -> str:
    return secrets.token_urlsafe(6)


class SnippetQuerySet(models.QuerySet):
    def live(self, now=None):
        """Snippets still visible: an expired one is gone before the sweep deletes it."""
        now = now or timezone.now()
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))

    def expired(self, now):
        """Expired snippets, oldest expiry first: the order of the expires_at index."""
        # An explicit order: the model's default (-created_at) would make every
        # batch sort all the expired rows to find where it ends.
        return self.filter(expires_at__lte=now).order_by("expires_at")

    def delete_expired(self, now, limit: int) -> int:
        """One batch of the sweep: at most ``limit`` expired snippets, deleted."""
        # The batch ends where ``limit`` entries of the expires_at index end; one
        # DELETE of that range then goes through the same index. No keys travel to
        # Python and back: an IN list of the batch's keys cost more than the deleting.
        last = list(self.expired(now).values_list("expires_at", flat=True)[limit - 1 : limit])
        if not last:  # the final batch: the rest
            return self.expired(now).delete()[0]
        # Strictly before the bound, so a batch never runs past ``limit``; rows that
        # share the bound go in a later batch, by key if ``limit`` of them share it.
        deleted = self.filter(expires_at__lt=last[0]).delete()[0]
        if deleted == 0:
            ties = self.filter(expires_at=last[0]).values_list("pk", flat=True)[:limit]
            deleted = self.filter(pk__in=list(ties)).delete()[0]
        return deleted


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

    def add(self, message: Message) -> None:
        self.create(id=message.id, task=message.task, kwargs=message.kwargs)

    def waiting(self, older_than: float, limit: int) -> list[Message]:
        cutoff = timezone.now() - timedelta(seconds=older_than)
        rows = self.filter(created_at__lte=cutoff)[:limit]
        return [Message(row.task, row.kwargs, str(row.id)) for row in rows]

    def remove(self, message: Message) -> None:
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
