"""The autoreloading worker launchers, as real processes on a copy of the code.

``manage.py runworker`` and ``flask --app flask_demo worker`` run on the embedded
broker; a probe task appended to a real task module answers with its code's
version, so each edit shows which code ran.
"""

import signal
import time

import pytest

from devstack.broker import EmbeddedRedis
from tests.launcher.harness import Client, ProjectCopy, Running, launcher_command, tally

LAUNCHERS = ["django", "flask"]


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    with EmbeddedRedis(tmp_path_factory.mktemp("launchers-broker")) as server:
        yield server


@pytest.fixture
def client(broker):
    client = Client(broker.url)
    yield client
    client.close()


@pytest.fixture
def start(tmp_path, broker):
    """Start a launcher on a fresh copy of the project; stop it and check what it left."""
    started = []

    def start(kind, pool="solo", *options):
        copy = ProjectCopy(tmp_path / "project")
        running = Running(launcher_command(kind, pool, *options), copy, broker.url)
        started.append(running)
        return copy, running

    yield start
    for running in started:
        if running.process.poll() is None:
            running.kill()
        else:
            assert running.leftovers() == [], running.output()


@pytest.mark.parametrize("kind", LAUNCHERS)
def test_an_edit_reaches_the_next_task_and_ctrl_c_stops_everything(start, client, kind):
    copy, running = start(kind, "prefork", "-c", "2")
    assert client.answer() == 1
    copy.write_probe(2)
    client.wait_for_version(2)
    running.wait_for_line("changed, reloading.")
    assert running.stop(signal.SIGINT) == 0
    assert running.leftovers() == []


@pytest.mark.parametrize("kind", LAUNCHERS)
def test_a_reload_under_load_loses_duplicates_and_misroutes_nothing(start, client, kind):
    copy, running = start(kind, "prefork", "-c", "2")
    assert client.answer() == 1
    first = client.sent + 1
    before = [client.send(seconds=0.02) for _ in range(50)]
    copy.write_probe(2)
    running.wait_for_line("changed, reloading.")
    # Every probe from here on was sent after the launcher saw the change.
    fresh_from = client.sent + 1
    after = [client.send(seconds=0.02) for _ in range(50)]
    answers = [result.get(timeout=60) for result in before + after]
    assert all(answer == 2 for answer in answers[50:])
    sent = range(first, client.sent + 1)
    assert tally(copy.executions(), sent, range(fresh_from, client.sent + 1), 2) == (0, 0, 0)
    assert running.stop(signal.SIGTERM) == 0


@pytest.mark.parametrize("kind", LAUNCHERS)
def test_a_syntax_error_waits_for_the_fix(start, client, kind):
    copy, running = start(kind)
    assert client.answer() == 1
    saved = time.monotonic()
    copy.break_syntax()
    running.wait_for_line("SyntaxError", since=saved)
    running.wait_for_line("waiting for a file change", since=saved)
    time.sleep(1)  # no crash loop: nothing restarts it until the next edit
    assert running.find("Starting Celery worker", since=time.monotonic() - 0.9) is None
    copy.write_probe(3)
    client.wait_for_version(3)
    assert running.stop() == 0


def test_a_failed_system_check_is_reported_and_the_next_edit_retries(start, client):
    copy, running = start("django")
    assert client.answer() == 1
    apps = copy.root / "django_demo" / "djangobin" / "apps.py"
    original = apps.read_text()
    saved = time.monotonic()
    apps.write_text(
        original
        + "\n\nfrom django.core import checks\n\n\n"
        + "@checks.register()\ndef broken(app_configs, **kwargs):\n"
        + '    return [checks.Error("broken on purpose", id="probe.E001")]\n'
    )
    running.wait_for_line("probe.E001", since=saved)
    running.wait_for_line("waiting for a file change", since=saved)
    apps.write_text(original)
    copy.write_probe(2)
    client.wait_for_version(2)


def test_a_busy_worker_finishes_its_task_while_the_new_one_serves(start, client):
    copy, running = start("django", "solo")
    assert client.answer() == 1
    busy = client.send(seconds=4)
    time.sleep(0.5)  # it is running now
    copy.write_probe(2)
    client.wait_for_version(2)
    assert not busy.ready(), "the new worker had to wait for the old one's task"
    assert busy.get(timeout=30) == 1, "the task sent before the edit finishes on its old code"
    assert running.stop() == 0


def test_with_beat_the_new_worker_waits_for_the_old_one(start, client):
    copy, running = start("flask", "solo", "-B")
    assert client.answer() == 1
    busy = client.send(seconds=3)
    time.sleep(0.5)
    copy.write_probe(2)
    client.wait_for_version(2)
    assert busy.ready(), "two beats would have run side by side"
    assert running.stop() == 0


def test_a_task_that_outruns_the_grace_period_is_put_back_and_runs_on_the_new_code(start, client):
    copy, running = start("django", "prefork", "-c", "2", "--grace", "1")
    assert client.answer() == 1
    busy, number = client.send(seconds=8), client.sent
    time.sleep(0.5)
    copy.write_probe(2)
    client.wait_for_version(2)
    running.wait_for_line("cold shutdown")
    assert busy.get(timeout=60) == 2
    assert [version for n, version in copy.executions() if n == number] == [2]
    assert running.find("killing its process group") is None
    assert running.stop() == 0


@pytest.mark.parametrize("kind", LAUNCHERS)
def test_any_celery_worker_option_is_taken_as_celery_takes_it(start, client, kind):
    # Lower-case levels, long and short forms: Celery's own parser reads them.
    copy, running = start(
        kind, "solo", "--no-reload", "-l", "info", "--concurrency=1", "-O", "fair"
    )
    assert client.answer() == 1
    running.wait_for_line("celery@")  # Celery's INFO-level start-up lines are shown
    assert running.stop(signal.SIGINT) == 0


@pytest.mark.parametrize("kind", LAUNCHERS)
@pytest.mark.parametrize("reload", [True, False], ids=["reload", "no-reload"])
def test_a_bad_worker_option_stops_the_launcher_with_celerys_message(start, kind, reload):
    options = () if reload else ("--no-reload",)
    copy, running = start(kind, "solo", *options, "-l", "chatty")
    assert running.process.wait(30) == 2
    assert "'CHATTY' is not one of" in running.output()


CHECK_COUNTER = """

from django.core.checks import register


@register()
def count_runs(app_configs, **kwargs):
    \"\"\"Appended by the launcher test: one line per run of the system checks.\"\"\"
    import os

    with open(os.environ["PROBE_LOG"] + ".checks", "a") as log:
        log.write("run\\n")
    return []
"""


@pytest.mark.parametrize(("options", "runs"), [((), 1), (("--skip-checks",), 0)])
def test_runworker_runs_the_system_checks_once_or_not_at_all(
    tmp_path, broker, client, options, runs
):
    copy = ProjectCopy(tmp_path / "project")
    models = copy.root / "django_demo" / "djangobin" / "models.py"
    models.write_text(models.read_text() + CHECK_COUNTER)
    command = launcher_command("django", "solo", "--no-reload", *options)
    running = Running(command, copy, broker.url)
    try:
        assert client.answer() == 1
    finally:
        assert running.stop(signal.SIGINT) == 0
    counted = tmp_path / "project" / "probe.log.checks"
    assert (counted.read_text().count("run") if counted.exists() else 0) == runs
