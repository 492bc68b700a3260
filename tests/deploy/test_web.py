"""The web server as production runs it: gunicorn with deploy/gunicorn.conf.py, behind
Debian's nginx with deploy/nginx/celery-in-practice.conf, over TLS from a test CA.

Both run on this machine's loopback address, with the deployment's paths and ports
swapped for the test's own, as the operator would swap in theirs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from dev_defaults import ROOT
from tests.support.processes import demo_environ, running, wait_for
from tests.support.servers import REQUIRE_SERVERS, free_port, server_answers
from tests.support.tls import Client, make_test_ca

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
HOST = "localhost"


def require_nginx() -> None:
    if not Path(NGINX).exists():
        if REQUIRE_SERVERS:
            pytest.fail(f"no nginx at {NGINX}, and REQUIRE_SERVERS=1 forbids skipping")
        pytest.skip(f"no nginx at {NGINX} (Debian's nginx package)")


def nginx_config(tmp_path: Path, ports: dict, cert: Path, key: Path, static: Path) -> Path:
    """The deployment's server blocks with the test's paths and ports, in a main config
    that keeps nginx in the foreground and its files in ``tmp_path``."""
    site = (ROOT / "deploy" / "nginx" / "celery-in-practice.conf").read_text()
    for old, new in {
        "    listen [::]:80 default_server;\n": "",
        "    listen [::]:443 ssl default_server;\n": "",
        "    listen [::]:80;\n": "",
        "    listen [::]:443 ssl;\n": "",
        "listen 80 default_server;": f"listen 127.0.0.1:{ports['http']} default_server;",
        "listen 443 ssl default_server;": f"listen 127.0.0.1:{ports['https']} ssl default_server;",
        "listen 80;": f"listen 127.0.0.1:{ports['http']};",
        "listen 443 ssl;": f"listen 127.0.0.1:{ports['https']} ssl;",
        "bin.example.org": HOST,
        "/etc/celery-in-practice/tls/fullchain.pem": str(cert),
        "/etc/celery-in-practice/tls/privkey.pem": str(key),
        "/srv/celery-in-practice/var/static/": f"{static}/",
        "127.0.0.1:8000": f"127.0.0.1:{ports['web']}",
    }.items():
        assert old in site, old
        site = site.replace(old, new)
    (tmp_path / "site.conf").write_text(site)
    main = tmp_path / "nginx.conf"
    main.write_text(
        "user root;\nworker_processes 1;\n"
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/nginx-error.log;\n"
        "events {}\nhttp {\n  include /etc/nginx/mime.types;\n"
        f"  access_log {tmp_path}/nginx-access.log;\n"
        + "".join(
            f"  {name}_temp_path {tmp_path}/{name};\n"
            for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + f"  include {tmp_path}/site.conf;\n}}\n"
    )
    return main


@pytest.fixture
def site(tmp_path):
    """The Django demo on gunicorn behind nginx; yields (client, ports, static folder)."""
    require_nginx()
    ports = {"http": free_port(), "https": free_port(), "web": free_port()}
    var = tmp_path / "var"
    var.mkdir()
    env = demo_environ(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="k" * 50,
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_BEHIND_PROXY="1",
        DEMO_VAR_DIR=str(var),
        # No broker answers here: the contact form says so, after the CSRF check passed.
        CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0",
        WEB_BIND=f"127.0.0.1:{ports['web']}",
        WEB_WORKERS="2",
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
    subprocess.run(
        [*manage, "collectstatic", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True
    )
    ca, cert, key = make_test_ca(tmp_path, HOST)
    config = nginx_config(tmp_path, ports, cert, key, var / "static")
    gunicorn = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--config",
        "deploy/gunicorn.conf.py",
    ]
    nginx = [NGINX, "-c", str(config), "-g", "daemon off;"]
    with running([*gunicorn, "django_demo.wsgi"], env), running(nginx, os.environ.copy()):
        wait_for(lambda: server_answers(f"http://127.0.0.1:{ports['web']}"), timeout=30)
        wait_for(lambda: server_answers(f"http://127.0.0.1:{ports['https']}"), timeout=30)
        yield Client(ca, f"https://{HOST}:{ports['https']}"), ports, var / "static"


def test_pages_come_over_tls_from_gunicorn_behind_nginx(site):
    client, _, _ = site
    status, headers, page = client.open(client.base + "/")
    assert status == 200 and "djangobin" in page
    assert headers["Server"].startswith("nginx")
    # Django saw HTTPS (X-Forwarded-Proto): no redirect loop, HSTS on the answer.
    assert "Strict-Transport-Security" in headers


def test_plain_http_is_redirected_to_https(site):
    client, ports, _ = site
    status, headers, _ = client.open(f"http://{HOST}:{ports['http']}/contact/")
    assert status == 301 and headers["Location"] == f"https://{HOST}/contact/"


def test_another_host_name_gets_no_answer(site):
    client, ports, _ = site
    with pytest.raises(OSError):  # nginx closes the connection without an answer
        client.open(f"http://127.0.0.1:{ports['http']}/")
    # Nor over TLS: the handshake for another name is refused.
    with pytest.raises(urllib.error.URLError, match="UNRECOGNIZED_NAME"):
        client.open(f"https://127.0.0.1:{ports['https']}/")


def test_static_files_come_from_nginx(site):
    client, _, static = site
    (css,) = [p for p in static.rglob("*.css") if p.parent == static]
    status, headers, body = client.open(f"{client.base}/static/{css.name}")
    # Django with DEBUG off serves no static file: this answer is nginx's, from disk.
    assert status == 200 and body == css.read_text()
    assert "Expires" in headers


def test_a_form_posts_over_https_with_its_csrf_token(site):
    client, _, _ = site
    _, _, page = client.open(client.base + "/contact/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = {
        "csrfmiddlewaretoken": token,
        "name": "Grace",
        "email": "grace@example.com",
        "purpose": "bug",
        "subject": "Hello",
        "message": "Over TLS.",
    }
    referer = {"Referer": client.base + "/contact/"}
    status, _, page = client.open(client.base + "/contact/", form, referer)
    # Secure cookies and the CSRF check passed (a 403 otherwise); no broker answers here.
    assert status == 200 and "could not be sent just now" in page


def test_the_flask_demo_runs_under_gunicorn_from_its_factory(tmp_path):
    port = free_port()
    env = demo_environ(
        FLASK_CONFIG="production",
        FLASK_SECRET_KEY='"k"',
        FLASK_TRUSTED_HOSTS=f'["{HOST}"]',
        FLASK_BEHIND_PROXY="true",
        FLASK_DATABASE_URL=f"sqlite:///{tmp_path / 'flask.sqlite3'}",
        CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0",
        WEB_BIND=f"127.0.0.1:{port}",
        WEB_WORKERS="1",
    )
    flask = [sys.executable, "-m", "flask", "--app", "flask_demo"]
    subprocess.run([*flask, "init-db"], env=env, cwd=ROOT, check=True, capture_output=True)
    gunicorn = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--config",
        "deploy/gunicorn.conf.py",
    ]
    # The environment file's WSGI_APP, as the unit passes it.
    with running([*gunicorn, "flask_demo:create_app()"], env):
        wait_for(lambda: server_answers(f"http://127.0.0.1:{port}"), timeout=30)
        headers = {"Host": HOST, "X-Forwarded-Proto": "https"}
        request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200 and "flaskbin" in response.read().decode()
