"""Pages in headless Chromium: what a reader sees, and axe-core's accessibility rules."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dev_defaults import ROOT
from tests.support.servers import REQUIRE_SERVERS

#: The browser of the browser tests (.ci/run installs Debian's).
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def require_browser() -> None:
    """Skip, saying why, when Chromium is missing; fail instead under REQUIRE_SERVERS=1."""
    if not Path(CHROMIUM).exists():
        if REQUIRE_SERVERS:
            pytest.fail(f"no browser at {CHROMIUM}, and REQUIRE_SERVERS=1 forbids skipping")
        pytest.skip(f"no browser at {CHROMIUM}")


def times_as_shown(html: str, zone: str) -> list[str]:
    """Each ``<time>`` of a demo page as a reader in ``zone`` sees it: the page in
    Chromium set to that zone (and to US English), with static/localtime.js run."""
    from playwright.sync_api import sync_playwright

    require_browser()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_context(timezone_id=zone, locale="en-US").new_page()
            page.set_content(html)
            page.add_script_tag(path=ROOT / "static" / "localtime.js")
            return page.locator("time").all_inner_texts()
        finally:
            browser.close()


#: axe-core's tags for WCAG 2.0 and 2.1, levels A and AA, as make docs-check runs them.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def wcag_violations(urls: list[str]) -> list[str]:
    """axe-core's WCAG A/AA violations on each page, one line each: url, rule, targets."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    require_browser()
    found = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            for url in urls:
                page.goto(url)
                options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}}
                for violation in Axe().run(page, options=options).response["violations"]:
                    targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
                    found.append(f"{url}: {violation['id']}: {targets}")
        finally:
            browser.close()
    return found
