"""Settings for the Django demo.

Every value that differs between a laptop and production comes from the
environment; the defaults are safe for local development only.
"""

import os
from email.utils import getaddresses
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

import dev_defaults
import shared_tasks.settings


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent
VAR = dev_defaults.VAR

DEBUG = env_bool("DJANGO_DEBUG", True)
# The development stack passes a random key kept in var/; a bare `manage.py`
# falls back on a key that Django's deploy check flags as insecure.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or (
    "django-insecure-development-only" if DEBUG else ""
)
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")

# HTTPS, on by default once debug is off (`manage.py check --deploy` passes) ---------
# Plain HTTP is redirected, and cookies travel over HTTPS only.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
# Browsers remember to use HTTPS, subdomains included, and the site may be preloaded
# (cookiecutter-django's defaults). Start small (60 s) and raise it to a year once
# the whole site, subdomains included, serves HTTPS.
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0" if DEBUG else "60"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
# Behind a reverse proxy that terminates TLS, Django sees plain HTTP: trust its
# X-Forwarded-Proto, but only when one is really there and strips the client's own.
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_celery_results",
    "django_celery_beat",
    "django_demo.djangobin",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_demo.djangobin.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "django_demo.urls"
WSGI_APPLICATION = "django_demo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# One URL names the database: PostgreSQL where workers run on other machines
# (postgres://user:password@host/name), a SQLite file in development.
DATABASES = {"default": dj_database_url.config(default=f"sqlite:///{VAR / 'django.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # Web, worker and beat write to one SQLite file: WAL lets readers run
        # beside a writer, IMMEDIATE takes the write lock up front instead of
        # failing half-way with "database is locked", and the timeout waits.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database server that does not answer fails the request or the task within 5 s
    # (libpq's connect_timeout), well inside the web server's timeout, instead of holding it.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "index"
LOGOUT_REDIRECT_URL = "index"

LANGUAGE_CODE = "en-us"
# UTC (stored times are UTC anyway, USE_TZ): crontabs then keep 24 h apart on DST days.
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
# The stylesheet both demos share.
STATICFILES_DIRS = [BASE_DIR.parent / "static"]
STATIC_ROOT = VAR / "static"

# Mail -----------------------------------------------------------------------
ADMINS = getaddresses([os.environ.get("DJANGO_ADMINS", "Demo admin <admin@localhost>")])
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "djangobin <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("SMTP_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("SMTP_PORT", "1025"))
EMAIL_HOST_USER = os.environ.get("SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("SMTP_USE_TLS", False)
# A hung SMTP server must fail the task (and so retry it), not block a worker forever.
EMAIL_TIMEOUT = 10

# Celery: read by django_demo/celery.py through the CELERY_ namespace -------------
# The settings both demos share, each with its reason: shared_tasks/settings.py.
shared = shared_tasks.settings.CELERY_SETTINGS
globals().update({f"CELERY_{name.upper()}": value for name, value in shared.items()})
# The embedded Redis on a private unix socket; one variable moves to a real server.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or dev_defaults.broker_url("django")
# Results in the Django database, so they show in the admin.
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "django-db")
# Crontab schedules in the site's zone, UTC by default (TIME_ZONE says why).
CELERY_TIMEZONE = TIME_ZONE
# Periodic tasks live in the database, editable in the admin.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
