"""Configurations for ``create_app(config_name)``: development, testing, production.

Flat data, as in flasky. Any key can also be set from the environment with the
``FLASK_`` prefix (``create_app`` calls ``from_prefixed_env``): values are JSON,
so ``FLASK_MAIL_PORT=587`` is a number, and ``FLASK_CELERY__worker_concurrency=4``
reaches a key of the ``CELERY`` mapping. Celery itself reads ``CELERY_BROKER_URL``
and ``CELERY_RESULT_BACKEND`` over any configuration.
"""

from __future__ import annotations

import os

from celery.schedules import crontab

import dev_defaults
from flask_demo import https
from shared_tasks.settings import CELERY_SETTINGS


class Config:
    SECRET_KEY = ""
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "FLASK_DATABASE_URL", f"sqlite:///{dev_defaults.VAR / 'flask.sqlite3'}"
    )
    ADMINS = ["admin@localhost"]
    # Flask-Mailman reads these, as Django reads its EMAIL_* settings.
    MAIL_DEFAULT_SENDER = "flaskbin <noreply@localhost>"
    MAIL_SERVER = os.environ.get("SMTP_HOST", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("SMTP_PORT", "1025"))
    MAIL_USERNAME = os.environ.get("SMTP_USER", "")
    MAIL_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    MAIL_USE_TLS = os.environ.get("SMTP_USE_TLS", "").lower() in {"1", "true", "yes", "on"}
    # A hung SMTP server must fail the task (and so retry it), not block a worker forever.
    MAIL_TIMEOUT = 10

    # The Celery settings, as Flask's own Celery example keeps them: one mapping. It
    # starts from the settings both demos share, each with its reason (shared_tasks/settings.py).
    CELERY = {
        **CELERY_SETTINGS,
        # The embedded Redis on a private unix socket; CELERY_BROKER_URL moves it.
        "broker_url": dev_defaults.broker_url("flask"),
        "result_backend": f"db+sqlite:///{dev_defaults.VAR / 'flask-results.sqlite3'}",
        # UTC, as the Django demo: a crontab then keeps 24 h apart on DST days.
        "timezone": "UTC",
        # Celery's own beat scheduler: the schedule is code here, where Django
        # keeps it in the database.
        "beat_schedule": {
            "delete-expired-snippets": {
                "task": "shared_tasks.snippets.delete_expired_snippets",
                "schedule": crontab(minute=0, hour=0),
            },
            "relay-outbox": {
                "task": "shared_tasks.outbox.relay_outbox",
                "schedule": 60,
                # While no worker runs, relays queue up; each is stale after its minute.
                "options": {"expires": 60},
            },
        },
    }

    @staticmethod
    def init_app(app) -> None:
        """What a configuration adds once the app is built (the environment read)."""
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            # A database server that does not answer fails the request or the task within
            # 5 s (libpq's connect_timeout), well inside the web server's timeout.
            options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
            options.setdefault("connect_args", {}).setdefault("connect_timeout", 5)


class DevelopmentConfig(Config):
    DEBUG = True
    # The development stack passes a random key kept in var/ as FLASK_SECRET_KEY.
    SECRET_KEY = "flask-insecure-development-only"  # noqa: S105 (development only)


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing"  # noqa: S105 (tests only)
    WTF_CSRF_ENABLED = False
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    MAIL_BACKEND = "locmem"
    CELERY = {**Config.CELERY, "broker_url": "memory://", "result_backend": "cache+memory://"}


class ProductionConfig(Config):
    # No development default: the broker comes from the environment.
    CELERY = {**Config.CELERY, "broker_url": "", "result_backend": "rpc://"}
    # HTTPS only (flask_demo/https.py): cookies over HTTPS only, and HSTS starting
    # small, as the Django demo's; FLASK_HSTS_SECONDS raises it once all is HTTPS.
    SESSION_COOKIE_SECURE = REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS_SECONDS = 60
    HSTS_INCLUDE_SUBDOMAINS = HSTS_PRELOAD = True
    # The host names the site answers to, as Django's ALLOWED_HOSTS: a request for any
    # other is refused before a redirect or a link is built from its Host header.
    TRUSTED_HOSTS = ["localhost"]
    # FLASK_BEHIND_PROXY=true behind a reverse proxy that terminates TLS.
    BEHIND_PROXY = False

    @staticmethod
    def init_app(app) -> None:
        Config.init_app(app)
        https.init_app(app)
        broker = os.environ.get("CELERY_BROKER_URL") or app.config["CELERY"]["broker_url"]
        if not app.config["SECRET_KEY"] or not broker:
            raise RuntimeError(
                "production needs FLASK_SECRET_KEY and a broker (CELERY_BROKER_URL) "
                "in the environment"
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
