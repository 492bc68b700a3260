"""``make tour``: screenshots of the running Django demo, for the quick start.

Starts ``python -m devstack django`` in a temporary folder on free ports, walks
through it in headless Chromium as a new user would (a snippet, a sign-up, the
activation link from the mail, the admin's task results, Flower), and saves the
pictures into ``docs/_static/tour/``, which the quick start shows.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from sitecheck import CHROMIUM, CHROMIUM_ARGS

from dev_defaults import ROOT
from tests.support.processes import start_stack

TOUR = ROOT / "docs" / "_static" / "tour"
ADMIN = ("admin", "tour-admin-pass")
FLOWER = ("flower", "tour-flower-pass")


def wait_until(check, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(check.__doc__)
        time.sleep(0.3)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own http://127.0.0.1)
            return True
    except urllib.error.HTTPError:
        return True  # Flower's 401 is an answer
    except OSError:
        return False


def shot(page, name: str, content: str = "body") -> None:
    """A screenshot cropped to the page's content, so that the docs show it at full size."""
    page.locator(content).first.screenshot(path=TOUR / f"{name}.png")


def walk(base: str, flower: str, mail_dir: Path) -> None:
    from playwright.sync_api import sync_playwright

    TOUR.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 720})

        page.goto(base + "/")
        page.fill("#id_title", "hello.py")
        page.fill("#id_code", 'print("hello, Celery")')
        page.select_option("#id_expiration", "1w")
        shot(page, "new-snippet")
        with page.expect_navigation():
            page.click("button[type=submit]")
        shot(page, "snippet")

        page.goto(base + "/signup/")
        page.fill("#id_username", "ada")
        page.fill("#id_email", "ada@example.com")
        page.fill("#id_password1", "correct-horse-battery")
        page.fill("#id_password2", "correct-horse-battery")
        with page.expect_navigation():
            page.click("button[type=submit]")
        shot(page, "signup-done")

        def activation_mail():
            """the activation mail"""
            return list(mail_dir.glob("*.eml"))

        wait_until(activation_mail, 30)
        (mail,) = activation_mail()
        link = re.search(r"http://\S+/activate/\S+/", mail.read_text()).group(0)
        page.goto(link)
        shot(page, "activated")

        admin = browser.new_page(viewport={"width": 1400, "height": 720})
        admin.goto(base + "/admin/login/?next=/admin/django_celery_results/taskresult/")
        admin.fill("#id_username", ADMIN[0])
        admin.fill("#id_password", ADMIN[1])
        with admin.expect_navigation():
            admin.click("input[type=submit]")
        admin.wait_for_selector("#result_list")
        shot(admin, "admin-task-results", "#content")

        context = browser.new_context(
            viewport={"width": 1400, "height": 720},
            http_credentials={"username": FLOWER[0], "password": FLOWER[1]},
        )
        flower_page = context.new_page()
        flower_page.goto(flower + "/tasks")
        # The rows come by XHR after the table's header: wait for a task's name.
        flower_page.wait_for_selector("#tasks-table tbody tr:has-text('shared_tasks')")
        shot(flower_page, "flower-tasks", "#tasks-table_wrapper")
        browser.close()


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="tour-") as tmp:
        var = Path(tmp)
        admin = {"DJANGO_ADMIN_USERNAME": ADMIN[0], "DJANGO_ADMIN_PASSWORD": ADMIN[1]}
        stack = start_stack("django", var, ":".join(FLOWER), **admin)
        try:

            def stack_is_up():
                """the site and Flower"""
                return answers(stack.web + "/") and answers(stack.flower + "/")

            wait_until(stack_is_up)
            walk(stack.web, stack.flower, var / "mail")
        finally:
            stack.interrupt()
    print(f"tour: screenshots in {TOUR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
