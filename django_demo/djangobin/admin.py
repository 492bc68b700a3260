from django.contrib import admin

from django_demo.djangobin.models import Snippet


@admin.register(Snippet)
class SnippetAdmin(admin.ModelAdmin):
    list_display = ("__str__", "slug", "expiration", "created_at", "expires_at")
    list_filter = ("expiration",)
    search_fields = ("title", "slug")
    readonly_fields = ("slug", "created_at", "expires_at")
