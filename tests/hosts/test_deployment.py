"""The production chapter's deployment of the Django demo, on hosts simulated on this
machine (tests/hosts/network.py), and the faults between them.

``make test-hosts`` runs it; it needs root, as CI has it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import time
from email import message_from_bytes

import pytest

from tests.hosts.deployment import Deployment, elapsed_since
from tests.support.processes import wait_for
from tests.support.servers import REQUIRE_SERVERS

PASSWORD = "correct-horse-battery"
WORKERS = ("work1", "work2")


def require_root_and_tools() -> None:
    missing = [
        tool
        for tool in ("ip", "unshare", "nsenter", "nginx", "rabbitmq-server")
        if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}")
    ]
    reason = None
    if os.geteuid() != 0:
        reason = "simulated hosts need root (network and mount namespaces)"
    elif missing:
        reason = f"simulated hosts need {', '.join(missing)}"
    if reason:
        if REQUIRE_SERVERS:
            pytest.fail(f"{reason}, and REQUIRE_SERVERS=1 forbids skipping")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    require_root_and_tools()
    site = Deployment(tmp_path_factory.mktemp("hosts"))
    try:
        site.build()
        yield site
    finally:
        site.destroy()


def sign_up(site: Deployment, username: str, email: str, **kwargs) -> dict:
    form = {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD}
    return site.client("signup", form, **kwargs)


def mail_text(site: Deployment, address: str) -> str:
    for path in site.mail_folder.glob("*.eml"):
        message = message_from_bytes(path.read_bytes())
        if message["To"] == address:
            return message.get_payload(decode=True).decode()
    raise AssertionError(f"no mail to {address}")


def test_sign_ups_and_contact_messages_become_mails_sent_by_the_workers(deployment):
    site = deployment
    answer = sign_up(site, "ada", "ada@example.com")
    assert answer["status"] == 200 and "Check your mail" in answer["page"]
    contact = {
        "name": "Grace",
        "email": "grace@example.com",
        "purpose": "bug",
        "subject": "From the client host",
        "message": "Over the simulated network.",
    }
    answer = site.client("contact", contact)
    assert answer["status"] == 302  # to the page that thanks the visitor
    activation = site.wait_for_mail("ada@example.com", timeout=30)
    # The admins' address also gets web's own error mails (the 503s of a database outage).
    feedback = wait_for(lambda: site.mail_with_subject(contact["subject"]), timeout=30)
    # Sent by the workers' hosts, not by web.
    assert {site.address_of(m["from"]) for m in (activation, feedback)} <= {"work1", "work2"}
    # The link in the mail leads to the site, and activates the account.
    link = re.search(
        r"https://bin\.example\.org(/activate/\S+/)", mail_text(site, "ada@example.com")
    )
    answer = site.client("get", {"path": link.group(1)})
    assert answer["status"] in (200, 302)
    assert site.sql("SELECT is_active FROM auth_user WHERE username = 'ada'") == "t"


def test_flower_answers_only_with_credentials_and_only_on_the_web_host(deployment):
    site = deployment
    probe = (
        "import sys, urllib.request, urllib.error\n"
        "request = urllib.request.Request(sys.argv[1])\n"
        "if len(sys.argv) > 2: request.add_header('Authorization', 'Basic ' + sys.argv[2])\n"
        "try: print(urllib.request.urlopen(request, timeout=5).status)\n"
        "except urllib.error.HTTPError as error: print(error.code)\n"
        "except OSError as error: print(type(error).__name__)\n"
    )
    import base64

    credentials = base64.b64encode(f"ops:{site.secrets['flower']}".encode()).decode()
    web = site["web"]

    def flower(*args):
        return web.run("/usr/bin/python3", "-c", probe, *args).stdout.strip()

    wait_for(lambda: flower("http://127.0.0.1:5555/") != "URLError", timeout=30, interval=0.5)
    assert flower("http://127.0.0.1:5555/") == "401"
    assert flower("http://127.0.0.1:5555/metrics") == "401"
    assert flower("http://127.0.0.1:5555/", credentials) == "200"
    # Not from another host: Flower listens on web's loopback address only.
    client = site["client"].run("/usr/bin/python3", "-c", probe, "http://web.internal:5555/")
    assert client.stdout.strip() == "URLError"


def test_beat_sends_the_relay_and_the_workers_run_it(deployment):
    site = deployment

    def relayed():
        return any(
            re.search(
                r"Task shared_tasks\.outbox\.relay_outbox\[\S+\] succeeded",
                site.log(h, "celery-worker"),
            )
            for h in ("work1", "work2")
        )

    wait_for(relayed, timeout=90, interval=1)
    assert "Sending due task" in site.log("web", "celery-beat")


def task_ids(log: str, task: str, event: str) -> list[str]:
    return re.findall(rf"Task shared_tasks\.mail\.{task}\[([\w-]+)\] {event}", log)


def test_a_worker_host_cut_off_mid_task(deployment):
    """The lost machine of the faults page: its task runs again elsewhere, once."""
    site = deployment
    address = "slow-cut@example.com"
    sign_up(site, "slowcut", address)
    # The mail host holds the first RCPT for this address: the task is in the middle of
    # its SMTP exchange when its host is cut off.
    wait_for(
        lambda: any(e["event"] == "held" and e["to"] == address for e in site.mail_log()),
        timeout=30,
    )
    held = next(e for e in site.mail_log() if e["event"] == "held" and e["to"] == address)
    cut = site.address_of(held["from"])
    other = {"work1": "work2", "work2": "work1"}[cut]
    started = time.monotonic()
    with site.cut_off(cut):
        mail = site.wait_for_mail(address, timeout=300)
        handover = elapsed_since(started)
        print(f"\nthe task ran again on {other} {handover:.0f} s after {cut} was cut off")
        assert site.address_of(mail["from"]) == other
    # Meanwhile the cut-off worker's run: SMTP timed out (10 s), the retry could not be
    # sent (no route to the broker), so Celery rejected the message without requeueing it.
    # That reject never reached RabbitMQ, which gave the message to the other worker once
    # it had closed the lost connection.
    rejected = re.compile(r"send_activation_mail\[([\w-]+)\] reject requeue=False: .*No route")
    (task,) = rejected.findall(site.log(cut, "celery-worker"))
    assert task in task_ids(site.log(other, "celery-worker"), "send_activation_mail", "succeeded")
    # Back on the network, the cut-off worker reconnects; the user still has one mail.
    wait_for(lambda: site.log(cut, "celery-worker").count("Connected to amqp://") >= 2, timeout=60)
    time.sleep(10)
    assert len(site.mails_to(address)) == 1


def test_the_database_host_unreachable(deployment):
    """A clear page in bounded time; the mail tasks that ran meanwhile retried."""
    site = deployment
    workers = [pid for name in ("work1", "work2") for pid in site.worker_pids(name)]
    for pid in workers:  # hold the workers, so that these mails are sent during the outage
        os.kill(pid, signal.SIGSTOP)
    try:
        for n in (1, 2):
            assert sign_up(site, f"dbdown{n}", f"dbdown{n}@example.com")["status"] == 200
    finally:
        with site.cut_off("db"):
            for pid in workers:
                os.kill(pid, signal.SIGCONT)
            for answer in (
                site.client("get", {"path": "/"}),
                sign_up(site, "dbdown3", "dbdown3@example.com"),
            ):
                assert answer["status"] == 503 and "Try again in a minute" in answer["page"]
                # libpq's connect_timeout (5 s) per attempt, well inside gunicorn's 30 s.
                print(f"\n503 page in {answer['seconds']:.1f} s")
                assert answer["seconds"] < 30
            time.sleep(8)
    for n in (1, 2):
        site.wait_for_mail(f"dbdown{n}@example.com", timeout=60)
    logs = site.log("work1", "celery-worker") + site.log("work2", "celery-worker")
    # Each retry was sent before Celery tried to record the RETRY state in the unreachable
    # database; that failed write is logged as the attempt's unexpected error.
    assert re.search(r"Retry in \d+s: DatabaseUnavailable", logs)
    assert not site.mails_to("dbdown3@example.com")  # refused with the 503: no user, no mail
    assert site.sql("SELECT count(*) FROM auth_user WHERE username = 'dbdown3'") == "0"


def test_the_broker_host_restarted(deployment):
    """Sign-ups before, during and after a broker restart each end as one mail."""
    site = deployment
    addresses = []

    def sign_up_next(n):
        address = f"restart{n}@example.com"
        answer = sign_up(site, f"restart{n}", address)
        assert answer["status"] == 200, answer["page"][:500]
        addresses.append(address)

    def connections():
        return [site.log(h, "celery-worker").count("Connected to amqp://") for h in WORKERS]

    sign_up_next(0)
    before = connections()
    site.stop_broker()
    sign_up_next(1)  # kept in the outbox; the relay sends it once the broker is back
    site.run_broker()
    sign_up_next(2)
    for address in addresses:
        site.wait_for_mail(address, timeout=180)
    assert all(len(site.mails_to(a)) == 1 for a in addresses)
    # Both workers are back, for whatever runs next.
    wait_for(lambda: all(n > b for n, b in zip(connections(), before, strict=True)), timeout=60)


def test_the_flask_demo_on_the_same_hosts(deployment):
    """A smoke run: the Flask demo's own user, vhost and database, its web server on web
    and a worker on work2, started from the same units with its environment file."""
    site = deployment
    instance = "flask_demo.make_celery"
    site.set_up_flask()
    web, web_log = site.start_service("web@.service", "web", instance)
    worker, log = site.start_service("celery-worker@.service", "work2", instance)
    try:
        wait_for(lambda: "ready." in log.read_text(), timeout=90, interval=0.2)
        wait_for(lambda: "Booting worker" in web_log.read_text(), timeout=60, interval=0.2)
        page = site.on_web(
            "http://127.0.0.1:8001/", {"Host": "bin.example.org", "X-Forwarded-Proto": "https"}
        )
        assert page.startswith("200") and "flaskbin" in page
        subject = "Flask on the simulated hosts"
        contact = {
            "name": "Ada",
            "email": "ada@example.com",
            "purpose": "bug",
            "subject": subject,
            "message": "Sent by the Flask demo's worker.",
        }
        site.run_with_env(
            instance,
            ".venv/bin/celery",
            "-A",
            instance,
            "call",
            "shared_tasks.mail.send_feedback_mail",
            "--kwargs",
            json.dumps(contact),
        )
        wait_for(lambda: site.mail_with_subject(subject), timeout=60, interval=0.2)
        assert site.address_of(site.mail_with_subject(subject)["from"]) == "work2"
    finally:
        site["web"].stop(web)
        site["work2"].stop(worker)


def test_the_hosts_share_nothing_but_the_network(deployment):
    """No SQLite file anywhere, and none of the machine's own servers within reach."""
    site = deployment
    sign_up(site, "isolated", "isolated@example.com")
    site.wait_for_mail("isolated@example.com", timeout=30)
    assert not list(site.root.rglob("*.sqlite3"))
    assert site.sql("SELECT count(*) FROM auth_user WHERE username = 'isolated'") == "1"
    probe = "import socket; print(socket.socket().connect_ex(('127.0.0.1', 5432)))"
    for name in ("web", "work1", "work2"):
        host = site[name]
        # Not the machine's PostgreSQL, by its unix socket or its loopback address.
        assert host.run("test", "-e", "/run/postgresql/.s.PGSQL.5432", check=False).returncode
        assert host.run("/usr/bin/python3", "-c", probe).stdout.strip() != "0"
        # No route out: only the test's own subnet.
        (route,) = host.run("ip", "route").stdout.splitlines()
        assert route.startswith("192.0.2.0/24 dev eth0")
