from django.apps import AppConfig


class DjangobinConfig(AppConfig):
    name = "django_demo.djangobin"
    label = "djangobin"
    verbose_name = "djangobin"
