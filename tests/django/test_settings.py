"""The Django demo's settings: from the environment, and free of development tooling."""

import secrets
import subprocess
import sys

from dev_defaults import ROOT
from tests.support.processes import DEV_TOOLING, answer_within, demo_environ
from tests.support.servers import free_port, silent_server


def run_python(code: str, **env) -> str:
    environ = demo_environ(DJANGO_SETTINGS_MODULE="django_demo.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, cwd=ROOT
    )


def test_settings_follow_the_environment():
    code = "from django.conf import settings; print(settings.CELERY_BROKER_URL, settings.DEBUG)"
    result = run_python(
        "import django; django.setup(); " + code,
        CELERY_BROKER_URL="amqp://guest:guest@127.0.0.1:5672//",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="k" * 50,
    )
    assert result.stdout.split() == ["amqp://guest:guest@127.0.0.1:5672//", "False"], result.stderr


def test_allowed_hosts_are_stripped():
    code = "from django.conf import settings; print(settings.ALLOWED_HOSTS)"
    result = run_python(code, DJANGO_ALLOWED_HOSTS=" a.example, b.example ,")
    assert result.stdout.strip() == "['a.example', 'b.example']", result.stderr


def test_production_settings_refuse_an_empty_secret_key():
    result = run_python(
        "from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check'])",
        DJANGO_DEBUG="0",
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_the_app_loads_no_development_tooling_and_writes_nothing(tmp_path):
    code = (
        "import sys, django; django.setup(); "
        "from django_demo.celery import app; app.loader.import_default_modules(); "
        "from django_demo import wsgi; "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(DEV_TOOLING)!r}))"
    )
    var = tmp_path / "var"
    result = run_python(code, DJANGO_DEBUG="0", DJANGO_SECRET_KEY="k" * 50, DEMO_VAR_DIR=str(var))
    assert result.stdout.strip() == "[]", result.stderr
    assert not var.exists()


def test_the_task_class_loads_when_the_app_finalizes_before_any_task_module():
    # The task class imports models and mails; had they imported a task module,
    # Celery would be defining tasks while it loads the task class (a partial import).
    result = run_python(
        "import django; django.setup(); from django_demo.celery import app; app.tasks; "
        "app.loader.import_default_modules(); "
        "print(sorted(name for name in app.tasks if name.startswith('shared_tasks.')))",
        DEMO_VAR_DIR="/nonexistent",
    )
    assert "shared_tasks.mail.send_activation_mail" in result.stdout, result.stderr


def test_only_json_is_accepted():
    from django_demo.celery import app

    assert list(app.conf.accept_content) == ["json"]
    assert app.conf.task_serializer == app.conf.result_serializer == "json"


def test_the_deploy_check_passes_with_the_production_environment_file():
    example = (ROOT / "deploy" / "django_demo.env.example").read_text().splitlines()
    env = dict(line.split("=", 1) for line in example if line and not line.startswith("#"))
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)  # the example's is a placeholder
    result = run_python(
        "from django.core.management import execute_from_command_line; execute_from_command_line("
        "['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        **env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_database_server_that_does_not_answer_fails_within_seconds(tmp_path):
    # libpq waits for a silent server for good unless connect_timeout says otherwise.
    code = (
        "import django; django.setup(); from django.db import connection, OperationalError\n"
        "try:\n    connection.ensure_connection()\n"
        "except OperationalError as error:\n    print('refused:', error)"
    )
    with silent_server() as port:
        url = f"postgresql://demo@127.0.0.1:{port}/demo"
        result = answer_within(
            lambda: run_python(code, DATABASE_URL=url, DEMO_VAR_DIR=str(tmp_path))
        )
    assert result.stdout.startswith("refused:") and "timeout" in result.stdout, result.stderr


def test_with_the_database_down_a_page_says_so_within_seconds(tmp_path):
    code = (
        "import django; django.setup(); from django.test import Client\n"
        "client = Client(raise_request_exception=False)\n"
        "response = client.get('/', secure=True, HTTP_HOST='localhost')\n"
        "print(response.status_code, response.content.decode())"
    )
    with silent_server() as port:
        env = {
            "DATABASE_URL": f"postgresql://demo@127.0.0.1:{port}/demo",
            "DEMO_VAR_DIR": str(tmp_path),
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "k" * 50,
            "DJANGO_ALLOWED_HOSTS": "localhost",
            "SMTP_PORT": str(free_port()),  # the admins' error mail: refused at once
        }
        result = answer_within(lambda: run_python(code, **env))
    assert result.stdout.startswith("503 ") and "Try again in a minute" in result.stdout, (
        result.stderr
    )
