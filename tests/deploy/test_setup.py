"""The operator's steps of the production chapter, run as written: the environment file
loaded without a shell, the database's role and owner, the broker's user and vhost."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid

import psycopg
import pytest
from kombu import Connection, Queue

from dev_defaults import ROOT
from shared_tasks.mail import MAIL_TASK
from shared_tasks.settings import CELERY_SETTINGS
from tests.support.processes import demo_environ
from tests.support.servers import REAL_BROKERS, REQUIRE_SERVERS, TEST_POSTGRES_URL, require

EXAMPLE = ROOT / "deploy" / "django_demo.env.example"
WITH_ENV = [sys.executable, "deploy/run_with_env.py"]


def require_program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if REQUIRE_SERVERS:
            pytest.fail(f"no {name} here, and REQUIRE_SERVERS=1 forbids skipping")
        pytest.skip(f"no {name} here")
    return path


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, **kwargs)


def test_the_environment_file_loads_without_a_shell():
    sourced = run(["sh", "-c", f'. {EXAMPLE} && echo "$DJANGO_ADMINS"'])
    assert sourced.stdout.strip() != "Ops <ops@example.org>"  # a shell reads a redirection
    code = "import django; django.setup(); from django.conf import settings; print(settings.ADMINS)"
    env = demo_environ(DJANGO_SETTINGS_MODULE="django_demo.settings")
    loaded = run([*WITH_ENV, str(EXAMPLE), sys.executable, "-c", code], env=env)
    assert loaded.stdout.strip() == "[('Ops', 'ops@example.org')]", loaded.stderr


def test_the_database_role_owns_its_database_and_migrates_it(tmp_path):
    require("postgresql", TEST_POSTGRES_URL)
    psql = require_program("psql")
    name = f"setup_{uuid.uuid4().hex[:12]}"
    superuser = TEST_POSTGRES_URL.rsplit("/", 1)[0] + "/postgres"
    command = [psql, superuser, "-v", f"role={name}", "-v", f"database={name}"]
    environ = {**os.environ, "DB_PASSWORD": f"pw-{name}"}
    made = run([*command, "-f", "deploy/setup/postgresql.sql"], env=environ)
    try:
        assert made.returncode == 0, made.stderr
        url = f"postgresql://{name}:pw-{name}@127.0.0.1:5432/{name}"
        env = demo_environ(DATABASE_URL=url, DEMO_VAR_DIR=str(tmp_path))
        migrated = run([sys.executable, "manage.py", "migrate", "-v", "0"], env=env)
        assert migrated.returncode == 0, migrated.stderr
        with psycopg.connect(url) as connection:
            (owner,) = connection.execute(
                "SELECT tableowner FROM pg_tables WHERE tablename = 'djangobin_snippet'"
            ).fetchone()
        assert owner == name
    finally:
        with psycopg.connect(superuser, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'DROP ROLE IF EXISTS "{name}"')


def test_the_broker_user_works_in_its_own_vhost():
    require("rabbitmq", REAL_BROKERS["rabbitmq"])
    rabbitmqctl = require_program("rabbitmqctl")
    name, password = f"setup-{uuid.uuid4().hex[:12]}", f"pw-{uuid.uuid4().hex}"
    # A password file with no final newline, as many generated ones are.
    made = run(["deploy/setup/rabbitmq.sh", name, name], input=password, timeout=120)
    try:
        assert made.returncode == 0, made.stderr
        assert password not in made.stdout + made.stderr
        with Connection(f"amqp://{name}:{password}@127.0.0.1:5672/{name}") as connection:
            queue = Queue("probe", routing_key="probe")(connection.default_channel)
            queue.declare()
            connection.Producer().publish({"x": 1}, routing_key="probe")
            message = queue.get(no_ack=True)
            assert message is not None and message.payload == {"x": 1}
    finally:
        run([rabbitmqctl, "delete_user", name], timeout=60)
        run([rabbitmqctl, "delete_vhost", name], timeout=60)


def test_rabbitmqs_consumer_timeout_cannot_cut_a_task_short():
    require("rabbitmq", REAL_BROKERS["rabbitmq"])
    rabbitmqctl = require_program("rabbitmqctl")
    asked = "application:get_env(rabbit, consumer_timeout)."
    default = run([rabbitmqctl, "eval", asked], timeout=60).stdout.strip()
    # The installed server's default equals the demos' backstop hard limit, so a task at
    # that limit would race RabbitMQ closing its channel. The deployment's setting is
    # well over the longer of that limit and a retry's longest countdown.
    assert default == f"{{ok,{CELERY_SETTINGS['task_time_limit'] * 1000}}}"
    conf = (ROOT / "deploy" / "setup" / "rabbitmq.conf").read_text()
    (line,) = [line for line in conf.splitlines() if line.startswith("consumer_timeout")]
    longest_hold = max(CELERY_SETTINGS["task_time_limit"], MAIL_TASK["retry_backoff_max"])
    assert int(line.split("=")[1]) / 1000 >= 2 * longest_hold
