"""``make docs-check``: the built tutorial site in headless Chromium.

Serves ``docs/_build/html`` on 127.0.0.1, opens every page in Debian's Chromium
(driven by Playwright, with the system browser: Playwright downloads none),
fails on any console error or uncaught exception, clicks through the Django /
Flask tabs, saves a full-page screenshot of each page under
``docs/_build/screenshots/`` for review, and checks every internal link and
anchor of the site.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from dev_defaults import ROOT

SITE = ROOT / "docs" / "_build" / "html"
SHOTS = ROOT / "docs" / "_build" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# As root, with no display and a closed network: no sandbox, no GPU, no calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Sphinx's own generated pages, which hold no chapter.
GENERATED = {"genindex.html", "search.html", "py-modindex.html"}


class Links(HTMLParser):
    """The ids of a page and the targets of its links and images."""

    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        if tag == "img" and attrs.get("src"):
            self.hrefs.append(attrs["src"])


def broken_links(site: Path) -> list[str]:
    """Internal links (and images) whose file or anchor does not exist in the built site."""
    pages = {}
    for path in site.rglob("*.html"):
        parser = Links()
        parser.feed(path.read_text(encoding="utf-8"))
        pages[path.relative_to(site).as_posix()] = parser
    broken = []
    for name, parser in pages.items():
        for href in parser.hrefs:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:  # http:, mailto:, //host: not ours
                continue
            target = urlsplit(urljoin(name, href))
            target_page = unquote(target.path) or name
            if target_page.endswith("/"):
                target_page += "index.html"
            if target_page not in pages:
                if not (site / target_page).is_file():
                    broken.append(f"{name}: {href} (no such file)")
                continue
            if target.fragment and target.fragment not in pages[target_page].ids:
                broken.append(f"{name}: {href} (no such anchor)")
    return broken


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(site: Path) -> ThreadingHTTPServer:
    handler = functools.partial(QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def check_pages(base: str, names: list[str]) -> tuple[list[str], int]:
    from playwright.sync_api import sync_playwright

    problems, tabs = [], 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        for name in names:
            errors.clear()
            response = page.goto(base + name, wait_until="load")
            if response is None or response.status != 200:
                problems.append(f"{name}: HTTP {response and response.status}")
            problems += [f"{name}: console: {error}" for error in errors]
            page.screenshot(path=SHOTS / f"{Path(name).stem}.png", full_page=True)
            clicked, tab_problems = check_tabs(page)
            tabs += clicked
            problems += [f"{name}: {p}" for p in tab_problems]
        browser.close()
    return problems, tabs


def check_tabs(page) -> tuple[int, list[str]]:
    """Click each tab of each sphinx-design tab set: its panel, and only it, shows."""
    clicked, problems = 0, []
    for tab_set in page.locator(".sd-tab-set").all():
        labels = tab_set.locator(":scope > label")
        panels = tab_set.locator(":scope > .sd-tab-content")
        for i in range(labels.count()):
            labels.nth(i).click()
            clicked += 1
            shown = [panels.nth(j).is_visible() for j in range(panels.count())]
            if shown != [j == i for j in range(panels.count())]:
                problems.append(f"tab {labels.nth(i).inner_text()!r}: panels shown {shown}")
    return clicked, problems


def main() -> int:
    if not (SITE / "index.html").is_file():
        print("docs-check: build the site first (make docs)", file=sys.stderr)
        return 2
    if not Path(CHROMIUM).is_file():
        print(f"docs-check: no Chromium at {CHROMIUM} (apt install chromium)", file=sys.stderr)
        return 2
    names = sorted(
        p.relative_to(SITE).as_posix() for p in SITE.glob("*.html") if p.name not in GENERATED
    )
    server = serve(SITE)
    try:
        problems, tabs = check_pages(f"http://127.0.0.1:{server.server_address[1]}/", names)
    finally:
        server.shutdown()
    problems += broken_links(SITE)
    for problem in problems:
        print(f"docs-check: {problem}", file=sys.stderr)
    print(
        f"docs-check: {len(names)} pages, {tabs} tabs clicked, {len(problems)} problems; "
        f"screenshots in {SHOTS.relative_to(ROOT)}"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
