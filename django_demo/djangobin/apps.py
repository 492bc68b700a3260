from django.apps import AppConfig


class DjangobinConfig(AppConfig):
    name = "django_demo.djangobin"
    label = "djangobin"
    verbose_name = "djangobin"

    def ready(self):
        import shared_tasks
        from django_demo.celery import app
        from django_demo.djangobin.site import DjangoSite

        shared_tasks.install(app, DjangoSite())
