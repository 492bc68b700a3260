"""Create the demo superuser once, from the environment or with a generated password."""

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create a superuser from DJANGO_ADMIN_USERNAME / DJANGO_ADMIN_PASSWORD / "
        "DJANGO_ADMIN_EMAIL if none exists; without a password, generate one and print it once."
    )

    def handle(self, *args, **options):
        User = get_user_model()
        username = os.environ.get("DJANGO_ADMIN_USERNAME", "admin")
        if User.objects.filter(username=username).exists():
            self.stdout.write(f"Admin user {username!r} exists; its password is unchanged.")
            return
        password = os.environ.get("DJANGO_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        email = os.environ.get("DJANGO_ADMIN_EMAIL", "admin@localhost")
        User.objects.create_superuser(username=username, email=email, password=password)
        shown = (
            "(from DJANGO_ADMIN_PASSWORD)" if "DJANGO_ADMIN_PASSWORD" in os.environ else password
        )
        self.stdout.write(
            self.style.SUCCESS(f"Created admin user {username!r} with password {shown}")
            + "\nThis is the only time it is printed."
        )
