"""The production chapter's deployment, run on simulated hosts (tests/hosts/network.py).

Every operator step is the chapter's own: the checkout and its virtual environment from
``requirements-production.lock``, the files in deploy/setup/, the environment file from
deploy/django_demo.env.example, migrations through deploy/run_with_env.py, Debian's nginx
with deploy/nginx/, and each service started from its unit's ``ExecStart`` line.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

from dev_defaults import ROOT
from tests.hosts import units
from tests.hosts.network import SERVICE_USER, Host, Network
from tests.support.processes import wait_for
from tests.support.tls import make_test_ca

SRV = "/srv/celery-in-practice"
APP_HOSTS = ("broker", "db", "web", "work1", "work2")
#: The hosts that run the test's own tools (the SMTP server, the client) from the checkout.
TOOL_HOSTS = ("mail", "client")
SITE = "bin.example.org"
PG_BIN = "/usr/lib/postgresql/15/bin"
PG_DATA = "/var/lib/postgresql/15/main"
#: The machine's own Python, as a service user can run it (pyenv's lies under /root).
SYSTEM_PYTHON = "/usr/bin/python3"
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def checkout_copy(target: Path) -> None:
    """The files of the checkout (tracked, or new and not ignored), as a clone has them."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        source = ROOT / name.decode()
        if source.is_file():
            (target / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name.decode())
    (target / "var").mkdir(exist_ok=True)


def build_image(stage: Path, log: Path) -> None:
    """The chapter's step 1 in a mount namespace where ``stage`` is /srv: the checkout
    in /srv/celery-in-practice and its virtual environment, paths as on every host."""
    checkout_copy(stage / "celery-in-practice")
    script = (
        f"mount --bind {stage} /srv && cd {SRV} && {SYSTEM_PYTHON} -m venv .venv"
        " && .venv/bin/pip install --quiet --require-hashes -r requirements-production.lock"
        " && .venv/bin/pip install --quiet --no-deps ."
    )
    with open(log, "ab") as out:
        subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
            check=True,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def environment_file(example: str, replacements: dict[str, str]) -> str:
    """The example environment file with the operator's values in place of its own."""
    text = (ROOT / "deploy" / example).read_text()
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


class Deployment(Network):
    """The Django demo on broker, db, web, work1 and work2, with mail and a client."""

    def __init__(self, root: Path):
        super().__init__(root)
        self.logs = root / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.image = root / "image"
        self.mail_folder = root / "mail"
        self.secrets = {
            name: secrets.token_urlsafe(18) for name in ("db", "broker", "flower", "admin")
        }
        self.secrets["secret_key"] = secrets.token_urlsafe(40)
        self.services: dict[tuple[str, str], object] = {}

    # -- the hosts' own files -------------------------------------------------------------
    def files(self, host: Host) -> dict[str, str]:
        files = {}
        if host.name in ("web", "work1", "work2"):
            files["/etc/celery-in-practice/django_demo.env"] = self.environment(
                "django_demo", "djangobin"
            )
        if host.name == "web":
            files["/etc/celery-in-practice/tls/fullchain.pem"] = self.cert.read_text()
            files["/etc/celery-in-practice/tls/privkey.pem"] = self.key.read_text()
            site = (ROOT / "deploy/nginx/celery-in-practice.conf").read_text()
            files["/etc/nginx/sites-available/celery-in-practice.conf"] = site
        if host.name == "broker":
            # The machine's own RabbitMQ settings name its node and its loopback listener:
            # this host's node is rabbit@broker, on its own address.
            files["/etc/rabbitmq/rabbitmq-env.conf"] = "NODENAME=rabbit@broker\n"
            files["/etc/rabbitmq/rabbitmq.conf"] = "listeners.tcp.default = 5672\n"
        return files

    def mounts(self, host: Host) -> list[str]:
        if host.name not in APP_HOSTS:
            return []
        var = host.root / "srv-var"
        var.mkdir(parents=True, exist_ok=True)
        os.chown(var, SERVICE_USER[1], SERVICE_USER[1])
        (host.root / "srv" / "celery-in-practice").mkdir(parents=True, exist_ok=True)
        image = self.image / "celery-in-practice"
        return [
            f"mount --bind {image} {SRV}",
            f"mount -o remount,bind,ro {SRV}",
            f"mount --bind {var} {SRV}/var",
        ]

    def private_tmp(self, host: Host) -> bool:
        return host.name not in TOOL_HOSTS

    def environment(self, instance: str, user: str) -> str:
        """The instance's example environment file, with this deployment's values."""
        secret_key = "DJANGO_SECRET_KEY" if user == "djangobin" else "FLASK_SECRET_KEY"
        return environment_file(
            f"{instance}.env.example",
            {
                f"{secret_key}=change-me-to-50-random-characters": f"{secret_key}="
                + self.secrets["secret_key"],
                f"{user}:change-me@db.internal": f"{user}:{self.secrets['db']}@db.internal",
                f"{user}:change-me@broker.internal": (
                    f"{user}:{self.secrets['broker']}@broker.internal"
                ),
                # The mail host's server takes plain SMTP on port 25, with no login.
                "SMTP_PORT=587": "SMTP_PORT=25",
                f"SMTP_USER={user}": "SMTP_USER=",
                "SMTP_PASSWORD=change-me": "SMTP_PASSWORD=",
                "SMTP_USE_TLS=1": "SMTP_USE_TLS=0",
                "ops:change-me": f"ops:{self.secrets['flower']}",
            },
        )

    # -- building it ------------------------------------------------------------------------
    def build(self) -> None:
        build_image(self.image, self.logs / "image.log")
        tls = self.root / "tls"
        tls.mkdir(exist_ok=True)
        self.ca, self.cert, self.key = make_test_ca(tls, SITE)
        super().build()
        self.start_mail()
        self.start_broker()
        self.start_database()
        self.set_up_django()
        self.start_web()
        for name in ("work1", "work2"):
            self.start_worker(name)

    def start_mail(self) -> None:
        self.mail_folder.mkdir(exist_ok=True)
        mail = self["mail"]
        command = [sys.executable, "-m", "tests.hosts.mailhost", mail.address, "25"]
        mail.spawn([*command, str(self.mail_folder)], self.logs / "mail.log", cwd=str(ROOT))
        wait_for(lambda: "listening" in (self.logs / "mail.log").read_text(), timeout=30)

    def start_broker(self) -> None:
        broker = self["broker"]
        broker.run("install", "-d", "-o", "rabbitmq", "-g", "rabbitmq", "/var/lib/rabbitmq")
        broker.run("install", "-d", "-o", "rabbitmq", "-g", "rabbitmq", "/var/log/rabbitmq")
        # The chapter's step, on the broker's machine, as root.
        broker.run(
            "sh",
            "-c",
            "mkdir -p /etc/rabbitmq/conf.d && cp deploy/setup/rabbitmq.conf"
            " /etc/rabbitmq/conf.d/celery-in-practice.conf",
            cwd=SRV,
        )
        self.run_broker()
        password = self.secrets["broker"]
        broker.run("deploy/setup/rabbitmq.sh", "djangobin", "djangobin", input=password, cwd=SRV)

    def run_broker(self) -> None:
        broker = self["broker"]
        env = {"PATH": SYSTEMD_PATH, "HOME": "/var/lib/rabbitmq", "LANG": "C.UTF-8"}
        self.services["broker", "rabbitmq"] = broker.spawn(
            ["/usr/lib/rabbitmq/bin/rabbitmq-server"],
            self.logs / "rabbitmq.log",
            user="rabbitmq",
            env=env,
            cwd="/var/lib/rabbitmq",
        )
        wait_for(
            lambda: (
                broker.run("rabbitmq-diagnostics", "-q", "check_running", check=False).returncode
                == 0
            ),
            timeout=90,
            interval=1,
        )

    def stop_broker(self) -> None:
        """The broker host shut down: RabbitMQ stops as its service does, epmd with it."""
        broker = self["broker"]
        broker.run("rabbitmqctl", "shutdown", timeout=120)
        broker.stop(self.services.pop(("broker", "rabbitmq")))
        for pid in broker.pids():
            if pid != broker.holder.pid:
                os.kill(pid, 9)

    def start_database(self) -> None:
        db = self["db"]
        for folder in (PG_DATA, "/run/postgresql"):
            db.run("install", "-d", "-m", "700", "-o", "postgres", "-g", "postgres", folder)
        db.run(
            f"{PG_BIN}/initdb", "-D", PG_DATA, "--auth-local=peer",
            "--auth-host=scram-sha-256", user="postgres",
        )  # fmt: skip
        with open(db.path(PG_DATA) / "pg_hba.conf", "a") as hba:
            hba.write("host all all 192.0.2.0/24 scram-sha-256\n")
        self.services["db", "postgres"] = db.spawn(
            [f"{PG_BIN}/postgres", "-D", PG_DATA, "-c", f"listen_addresses={db.address}"]
            + ["-c", "unix_socket_directories=/run/postgresql"],
            self.logs / "postgres.log",
            user="postgres",
        )
        wait_for(
            lambda: (
                db.run("pg_isready", "-q", "-h", "/run/postgresql", check=False).returncode == 0
            ),
            timeout=30,
            interval=0.2,
        )
        # The chapter's step, on the database's machine, as its superuser.
        db.run(
            "psql", "-q", "-v", "role=djangobin", "-v", "database=djangobin",
            "-f", "deploy/setup/postgresql.sql",
            user="postgres", cwd=SRV,
            env={"PATH": SYSTEMD_PATH, "DB_PASSWORD": self.secrets["db"]},
        )  # fmt: skip

    def manage(self, *args: str, env: dict | None = None):
        """``manage.py`` on web, as root, the environment file loaded as the chapter says."""
        return self["web"].run(
            ".venv/bin/python", "deploy/run_with_env.py",
            "/etc/celery-in-practice/django_demo.env", ".venv/bin/python", "manage.py", *args,
            cwd=SRV, env={"PATH": SYSTEMD_PATH, **(env or {})},
        )  # fmt: skip

    def set_up_django(self) -> None:
        self.manage("migrate", "-v", "0")
        self.manage(
            "createsuperuser", "--noinput", "--username", "ops", "--email", "ops@example.org",
            env={"DJANGO_SUPERUSER_PASSWORD": self.secrets["admin"]},
        )  # fmt: skip
        self.manage("collectstatic", "--noinput", "-v", "0")

    def sql(self, statement: str) -> str:
        """A query on db, as its superuser, in the demo's database."""
        return (
            self["db"]
            .run("psql", "-qAt", "-d", "djangobin", "-c", statement, user="postgres")
            .stdout.strip()
        )

    def start_service(self, unit: str, host_name: str, instance: str = "django_demo"):
        """A unit's ExecStart on a host, as systemd runs it: its user, its folder, and the
        environment file, which systemd reads as root."""
        host = self[host_name]
        service = units.service(unit)
        env_path = service.environment_file.replace("%i", instance)
        environment = units.read_environment_file(str(host.path(env_path)))
        if service.state_directory:
            host.run("install", "-d", "-o", service.user, f"/var/lib/{service.state_directory}")
        command = service.command(instance, host.name, environment)
        env = {"PATH": SYSTEMD_PATH, "HOME": "/nonexistent", "LANG": "C.UTF-8", **environment}
        suffix = "" if instance == "django_demo" else f"-{instance}"
        log = self.logs / f"{host_name}-{unit.split('@')[0]}{suffix}.log"
        process = host.spawn(command, log, user=service.user, env=env, cwd=service.cwd)
        self.services[host_name, unit] = process
        return process, log

    def start_web(self) -> None:
        web = self["web"]
        # nginx as the chapter sets it up: the site in place of Debian's default one.
        web.run("rm", "-f", "/etc/nginx/sites-enabled/default")
        web.run(
            "ln", "-s", "/etc/nginx/sites-available/celery-in-practice.conf",
            "/etc/nginx/sites-enabled/",
        )  # fmt: skip
        web.run("install", "-d", "/var/log/nginx", "/var/lib/nginx")
        self.services["web", "nginx"] = web.spawn(
            ["nginx", "-g", "daemon off;"], self.logs / "nginx.log", env={"PATH": SYSTEMD_PATH}
        )
        _, log = self.start_service("web@.service", "web")
        wait_for(lambda: "Booting worker" in log.read_text(), timeout=60, interval=0.2)
        self.start_service("celery-beat@.service", "web")
        self.start_service("celery-flower@.service", "web")

    def start_worker(self, host_name: str) -> Path:
        _, log = self.start_service("celery-worker@.service", host_name)
        wait_for(lambda: "ready." in log.read_text(), timeout=90, interval=0.2)
        return log

    # -- using it ---------------------------------------------------------------------------
    def client(self, action: str, data: dict | None = None, timeout: float = 90) -> dict:
        """A request from the client host; its answer as tests/hosts/client.py prints it."""
        result = self["client"].run(
            sys.executable, "-m", "tests.hosts.client", str(self.ca), f"https://{SITE}",
            action, json.dumps(data or {}),
            cwd=str(ROOT), env={"PATH": SYSTEMD_PATH, "PYTHONPATH": str(ROOT)}, timeout=timeout,
        )  # fmt: skip
        return json.loads(result.stdout)

    def mail_log(self) -> list[dict]:
        log = self.mail_folder / "log.jsonl"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    def mails_to(self, address: str) -> list[dict]:
        return [e for e in self.mail_log() if e["event"] == "accepted" and e["to"] == address]

    def wait_for_mail(self, address: str, timeout: float) -> dict:
        wait_for(lambda: self.mails_to(address), timeout=timeout, interval=0.2)
        return self.mails_to(address)[0]

    def log(self, host_name: str, unit: str) -> str:
        return (self.logs / f"{host_name}-{unit}.log").read_text()

    def set_up_flask(self) -> None:
        """The chapter's steps for the Flask demo: its broker user, its database role, its
        environment file on web and work2, and its tables."""
        password = self.secrets["broker"]
        self["broker"].run(
            "deploy/setup/rabbitmq.sh", "flaskbin", "flaskbin", input=password, cwd=SRV
        )
        self["db"].run(
            "psql", "-q", "-v", "role=flaskbin", "-v", "database=flaskbin",
            "-f", "deploy/setup/postgresql.sql",
            user="postgres", cwd=SRV,
            env={"PATH": SYSTEMD_PATH, "DB_PASSWORD": self.secrets["db"]},
        )  # fmt: skip
        for name in ("web", "work2"):
            path = "/etc/celery-in-practice/flask_demo.make_celery.env"
            self[name].run(
                "sh",
                "-c",
                f"umask 077 && cat > {path}",
                input=self.environment("flask_demo.make_celery", "flaskbin"),
            )
        self.run_with_env(
            "flask_demo.make_celery", ".venv/bin/flask", "--app", "flask_demo", "init-db"
        )

    def run_with_env(self, instance: str, *command: str):
        """A command on web, as root, with an environment file loaded as the chapter says."""
        return self["web"].run(
            ".venv/bin/python", "deploy/run_with_env.py",
            f"/etc/celery-in-practice/{instance}.env", *command,
            cwd=SRV, env={"PATH": SYSTEMD_PATH},
        )  # fmt: skip

    def on_web(self, url: str, headers: dict[str, str]) -> str:
        """A GET from web's own loopback: the status and the page."""
        probe = (
            "import sys, json, urllib.request\n"
            "request = urllib.request.Request(sys.argv[1], headers=json.loads(sys.argv[2]))\n"
            "with urllib.request.urlopen(request, timeout=30) as answer:\n"
            "    print(answer.status, answer.read().decode())\n"
        )
        return self["web"].run(SYSTEM_PYTHON, "-c", probe, url, json.dumps(headers)).stdout

    def mail_with_subject(self, subject: str) -> dict | None:
        """The mail log's entry for the message with this subject, by its file."""
        for path in sorted(self.mail_folder.glob("*.eml")):
            if subject in path.read_text(errors="replace"):
                peers = [e for e in self.mail_log() if e["event"] == "accepted"]
                # log.jsonl and the .eml files are written in the same order.
                index = sorted(self.mail_folder.glob("*.eml")).index(path)
                return peers[index] if index < len(peers) else None
        return None

    def worker_pids(self, host_name: str) -> list[int]:
        """The worker's processes on a host: its main process and its pool."""
        host = self[host_name]
        return [pid for pid in host.pids() if pid != host.holder.pid]

    def address_of(self, peer: str) -> str:
        return next(name for name, host in self.hosts.items() if host.address == peer)


def elapsed_since(start: float) -> float:
    return time.monotonic() - start
