"""Configurations for ``create_app(config_name)``: development, testing, production."""

from __future__ import annotations

import os
from email.utils import getaddresses

from celery.schedules import crontab

import shared_tasks
from devstack import VAR
from devstack.broker import default_url
from devstack.secret import dev_secret_key


def celery_config(broker_url: str, result_backend: str) -> dict:
    """The one CELERY mapping; string settings can be overridden from the environment."""
    config = {
        "broker_url": broker_url,
        "result_backend": result_backend,
        # JSON only: a pickle message on the queue would be code execution in the worker.
        "accept_content": ["json"],
        "task_serializer": "json",
        "result_serializer": "json",
        # Store task name and args with the result.
        "result_extended": True,
        # Acknowledge after running and requeue if the worker dies: a crash re-runs, never loses.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        # Events for Flower.
        "worker_send_task_events": True,
        "task_send_sent_event": True,
        "broker_connection_retry_on_startup": True,
        # The shared task modules: the worker imports them at start-up.
        "imports": shared_tasks.TASK_MODULES,
        # Celery's own beat scheduler; the schedule is code here, where Django
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
        # Record each run as it is sent, not every 3 minutes: a beat that crashes
        # and restarts within that window would otherwise send the same run again.
        "beat_sync_every": 1,
        "timezone": "UTC",
    }
    # Celery itself lets CELERY_BROKER_URL and CELERY_RESULT_BACKEND override any
    # configuration, so CELERY_* wins over FLASK_CELERY_* for every setting here too.
    # Only string settings: CELERY_TASK_ACKS_LATE=false would be a truthy string.
    for prefix in ("FLASK_CELERY_", "CELERY_"):
        for name, default in config.items():
            value = os.environ.get(prefix + name.upper())
            if value is not None and isinstance(default, str):
                config[name] = value
    return config


class Config:
    SECRET_KEY = os.environ.get("FLASK_SECRET_KEY", "")
    # create_app installs the CSRF check itself, so it can skip tasks' copies of requests.
    WTF_CSRF_CHECK_DEFAULT = False
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "FLASK_DATABASE_URL", f"sqlite:///{VAR / 'flask.sqlite3'}"
    )
    ADMINS = [
        address for _, address in getaddresses([os.environ.get("FLASK_ADMINS", "admin@localhost")])
    ]
    MAIL_DEFAULT_SENDER = os.environ.get("FLASK_MAIL_SENDER", "flaskbin <noreply@localhost>")
    MAIL_SERVER = os.environ.get("SMTP_HOST", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("SMTP_PORT", "1025"))
    MAIL_USERNAME = os.environ.get("SMTP_USER", "")
    MAIL_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    MAIL_USE_TLS = os.environ.get("SMTP_USE_TLS", "").lower() in {"1", "true", "yes", "on"}

    @property
    def CELERY(self):  # noqa: N802 (Flask reads upper-case names)
        return celery_config(default_url("flask"), f"db+sqlite:///{VAR / 'flask-results.sqlite3'}")


class DevelopmentConfig(Config):
    DEBUG = True
    SECRET_KEY = Config.SECRET_KEY or dev_secret_key("flask")


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing"  # noqa: S105 (tests only)
    WTF_CSRF_ENABLED = False
    SQLALCHEMY_DATABASE_URI = "sqlite://"

    @property
    def CELERY(self):  # noqa: N802
        return celery_config("memory://", "cache+memory://")


class ProductionConfig(Config):
    @property
    def CELERY(self):  # noqa: N802
        broker = os.environ.get("CELERY_BROKER_URL")
        if not broker or not self.SECRET_KEY:
            raise RuntimeError(
                "production needs FLASK_SECRET_KEY and CELERY_BROKER_URL in the environment"
            )
        return celery_config(broker, os.environ.get("CELERY_RESULT_BACKEND", "rpc://"))


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
