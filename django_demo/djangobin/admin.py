from django.contrib import admin

from django_demo.djangobin.models import OutboxMessage, Snippet


@admin.register(Snippet)
class SnippetAdmin(admin.ModelAdmin):
    list_display = ("__str__", "slug", "expiration", "created_at", "expires_at")
    list_filter = ("expiration",)
    search_fields = ("title", "slug")
    readonly_fields = ("slug", "created_at", "expires_at")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Messages waiting for the broker: an empty list means every message went out."""

    list_display = ("task", "id", "created_at")
    readonly_fields = ("id", "task", "kwargs", "created_at")
