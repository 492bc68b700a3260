"""Many people at once on `make run-django` / `make run-flask`, on the embedded defaults.

Web, worker (results) and beat (schedules) write to one SQLite file in the Django
demo: with Django's default deferred transactions, a crowd of sign-ups got
"database is locked" errors. Every response must be below 500, every accepted
sign-up must get its activation mail, and nothing may be written twice.
"""

from __future__ import annotations

import email
import email.policy
import http.client
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.cases import CONTACT, SIGN_UP
from tests.support.http import Browser, http_status
from tests.support.processes import start_stack, wait_for

SIGN_UPS = 150
CONTACTS = 50
#: At once. Not all 200: Django's runserver queues only 10 connections it has not
#: accepted yet (socketserver's listen backlog) and resets the rest.
CLIENTS = 40
#: Long enough for the last of a crowd: each sign-up hashes a password.
PATIENCE = 300


#: What a client gets when the development server's listen backlog is full: a reset,
#: not a response. It is the server's capacity, not the application's answer, so a
#: few are allowed; more would mean the stack does not hold the crowd.
RESET = 0
MOST_RESETS = (SIGN_UPS + CONTACTS) // 20


def post(base: str, path: str, data: dict) -> tuple[int, str]:
    try:
        return Browser(base, PATIENCE).post_form(path, data)
    except (ConnectionResetError, http.client.RemoteDisconnected):
        return RESET, ""


def sign_up(base: str, name: str, n: int) -> int:
    data = {**SIGN_UP[name], "username": f"user{n}", "email": f"user{n}@example.com"}
    status, page = post(base, "/signup/", data)
    return 201 if status == 200 and "Check your mail" in page else status


def contact(base: str, n: int) -> int:
    return post(base, "/contact/", {**CONTACT, "subject": f"Message {n}"})[0]


def mails(var) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted((var / "mail").glob("*.eml"))
    ]


@pytest.mark.parametrize("name", ["django", "flask"])
def test_a_crowd_signs_up_and_writes_at_once(tmp_path, name):
    var = tmp_path / "var"
    log = (tmp_path / "stack.log").open("w")
    stack = start_stack(name, var, "flower:load", output=log)
    try:
        wait_for(lambda: http_status(stack.web + "/") == 200, timeout=60, interval=0.3)
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            sign_ups = [pool.submit(sign_up, stack.web, name, n) for n in range(SIGN_UPS)]
            contacts = [pool.submit(contact, stack.web, n) for n in range(CONTACTS)]
            signed = Counter(future.result() for future in sign_ups)
            sent = Counter(future.result() for future in contacts)
        answered = time.monotonic() - started
        assert not [status for status in signed | sent if status >= 500], (signed, sent)
        accepted, thanked = signed[201], sent[302]

        def every_mail():
            """an activation mail per accepted sign-up, a feedback mail per message"""
            return len(mails(var)) >= accepted + thanked

        wait_for(every_mail, timeout=180, interval=1)
        delivered = time.monotonic() - started
        time.sleep(2)  # long enough for a duplicate to show up, if one were coming
    finally:
        stack.interrupt()
        log.close()
    received = mails(var)
    activations = Counter(m["To"] for m in received if "activate" in m["Subject"].lower())
    feedback = Counter(m["Subject"] for m in received if "Message" in m["Subject"])
    print(
        f"\n{name}: {SIGN_UPS} sign-ups {dict(signed)}, {CONTACTS} contacts {dict(sent)}, "
        f"all answered in {answered:.1f} s, all mail in {delivered:.1f} s"
    )
    # Every request accepted, or refused by the server's backlog before the application saw it.
    assert accepted + signed[RESET] == SIGN_UPS, signed
    assert thanked + sent[RESET] == CONTACTS, sent
    assert signed[RESET] + sent[RESET] <= MOST_RESETS, (signed, sent)
    assert len(activations) == accepted and set(activations.values()) == {1}
    assert len(feedback) == thanked and set(feedback.values()) == {1}
