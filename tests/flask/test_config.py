"""The Flask demo's configuration: flat classes, the environment, and nothing else loaded."""

import subprocess
import sys

import pytest

from dev_defaults import ROOT
from flask_demo import create_app
from tests.support.processes import DEV_TOOLING, answer_within, demo_environ
from tests.support.servers import silent_server


def test_production_refuses_to_start_without_secret_and_broker(monkeypatch):
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.setenv("FLASK_SECRET_KEY", '"k"')
    with pytest.raises(RuntimeError, match="CELERY_BROKER_URL"):
        create_app("production")
    monkeypatch.setenv("FLASK_CELERY__broker_url", '"amqp://broker.internal//"')
    conf = create_app("production").extensions["celery"].conf
    assert conf.broker_url == "amqp://broker.internal//"


def test_celery_settings_follow_the_environment(monkeypatch):
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/9")
    app = create_app("development")
    assert app.extensions["celery"].conf.broker_url == "redis://127.0.0.1:6379/9"


def test_any_setting_comes_from_the_environment_as_json(monkeypatch):
    monkeypatch.setenv("FLASK_CELERY__task_acks_late", "false")
    monkeypatch.setenv("FLASK_CELERY__worker_prefetch_multiplier", "4")
    conf = create_app("development").extensions["celery"].conf
    assert conf.task_acks_late is False and conf.worker_prefetch_multiplier == 4
    monkeypatch.delenv("FLASK_CELERY__task_acks_late")
    # Each app had its own copy of the mapping: the next one starts from the class.
    assert create_app("development").extensions["celery"].conf.task_acks_late is True


def test_celerys_own_variables_win_over_the_flask_ones(monkeypatch):
    monkeypatch.setenv("FLASK_CELERY__broker_url", '"redis://127.0.0.1:6379/8"')
    conf = create_app("development").extensions["celery"].conf
    assert conf.broker_url == "redis://127.0.0.1:6379/8"
    # Celery reads CELERY_BROKER_URL itself, over any configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/9")
    assert conf.broker_url == "redis://127.0.0.1:6379/9"


def test_the_app_loads_no_development_tooling_and_writes_nothing(tmp_path):
    code = (
        "import sys; from flask_demo import create_app; app = create_app('production'); "
        "app.extensions['celery'].loader.import_default_modules(); "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(DEV_TOOLING)!r}))"
    )
    env = demo_environ(
        **{
            "FLASK_SECRET_KEY": '"k"',
            "CELERY_BROKER_URL": "amqp://127.0.0.1//",
            "DEMO_VAR_DIR": str(tmp_path / "var"),
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.stdout.strip() == "[]", result.stderr
    assert not (tmp_path / "var").exists()


@pytest.fixture
def production(monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", '"k"')
    monkeypatch.setenv("CELERY_BROKER_URL", "amqp://broker.internal//")
    return lambda **config: create_app("production", **config).test_client()


def test_production_redirects_plain_http_and_asks_for_https_only(production):
    client = production()
    response = client.get("/contact/?x=1", base_url="http://localhost")
    assert response.status_code == 301
    assert response.headers["Location"] == "https://localhost/contact/?x=1"
    page = client.get("/contact/", base_url="https://localhost")
    assert page.status_code == 200
    assert page.headers["Strict-Transport-Security"] == "max-age=60; includeSubDomains; preload"
    cookie = page.headers["Set-Cookie"]  # the CSRF token's session
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_production_refuses_a_host_it_does_not_serve(production):
    response = production().get("/contact/", base_url="http://evil.example")
    assert response.status_code == 400  # not a redirect to https://evil.example


def test_behind_a_proxy_its_forwarded_scheme_counts(production, monkeypatch):
    monkeypatch.setenv("FLASK_BEHIND_PROXY", "true")
    client = production()
    plain, forwarded = "http://localhost", {"X-Forwarded-Proto": "https"}
    assert client.get("/contact/", base_url=plain, headers=forwarded).status_code == 200
    assert client.get("/contact/", base_url=plain).status_code == 301


def test_production_starts_from_the_environment_file_example(monkeypatch):
    example = (ROOT / "deploy" / "flask_demo.make_celery.env.example").read_text()
    for line in example.splitlines():
        if line and not line.startswith("#"):
            monkeypatch.setenv(*line.split("=", 1))
    app = create_app()  # FLASK_CONFIG=production, from the file
    assert app.config["SECRET_KEY"] and app.config["SESSION_COOKIE_SECURE"]
    assert app.config["ADMINS"] == ["ops@example.org"] and app.config["BEHIND_PROXY"] is True
    assert app.extensions["celery"].conf.broker_url.startswith("amqp://flaskbin:")


def test_a_database_server_that_does_not_answer_fails_within_seconds():
    # libpq waits for a silent server for good unless connect_timeout says otherwise.
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from flask_demo.extensions import db

    def query(app):
        with app.app_context():
            try:
                db.session.execute(text("SELECT 1"))
            except OperationalError as error:
                return error
            return None

    with silent_server() as port:
        url = f"postgresql+psycopg://demo@127.0.0.1:{port}/demo"
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
        error = answer_within(lambda: query(app))
    assert isinstance(error, OperationalError) and "timeout" in str(error)


def test_with_the_database_down_a_page_says_so_within_seconds(monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", '"k"')
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("FLASK_TRUSTED_HOSTS", '["localhost"]')
    with silent_server() as port:
        url = f"postgresql+psycopg://demo@127.0.0.1:{port}/demo"
        app = create_app("production", SQLALCHEMY_DATABASE_URI=url)
        client = app.test_client()
        response = answer_within(lambda: client.get("/", base_url="https://localhost"))
    assert response.status_code == 503 and b"Try again in a minute" in response.data
