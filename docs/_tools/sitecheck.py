"""``make docs-check``: the built tutorial site in headless Chromium.

Serves ``docs/_build/html`` on 127.0.0.1, opens every page in Debian's Chromium
(driven by Playwright, with the system browser: Playwright downloads none),
fails on any console error or uncaught exception, clicks through the Django /
Flask tabs, runs axe-core's WCAG 2.0 and 2.1 level A and AA rules on each page
in furo's light and dark themes, Sphinx's index and search pages included (the
site is the product readers see, with a screen reader or a keyboard too; axe's
JS comes bundled in the axe-playwright-python package, so the check needs no
network), saves a full-page screenshot of each page under
``docs/_build/screenshots/`` for review, and checks every internal link and
anchor of the site.

``--site DIR`` checks a site built elsewhere (``sphinx-build -b html docs DIR``),
with its screenshots beside it.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import threading
from collections import Counter
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
#: axe-core's tags for WCAG 2.0 and 2.1, levels A and AA: what issue 15 asks of every page.
#: No rule is disabled: a failure here is fixed in the site, not in the check.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: furo follows the reader's system setting, and contrast is a property of each theme.
COLOR_SCHEMES = ("light", "dark")


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


def axe_violations(page, axe, seen: set, within: str | None = None) -> list[tuple[str, int, str]]:
    """axe-core's WCAG A/AA violations on the open page, in the light and the dark theme.

    Each is (rule, elements, description), counting only the elements not already
    in ``seen`` (rule, selector): an element failing in both themes, or again after
    the tabs were clicked, counts once, under the theme that first showed it.
    ``within`` (a CSS selector) limits the run to part of the page.
    """
    found = []
    for scheme in COLOR_SCHEMES:
        page.emulate_media(color_scheme=scheme)
        found += _axe_run(page, axe, scheme, seen, within)
    page.emulate_media(color_scheme="light")
    return found


def _axe_run(page, axe, scheme: str, seen: set, within: str | None) -> list[tuple[str, int, str]]:
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}}
    results = axe.run(page, context=within, options=options)
    found = []
    for violation in results.response["violations"]:
        nodes = []
        for node in violation["nodes"]:
            key = (violation["id"], " ".join(map(str, node["target"])))
            if key not in seen:
                seen.add(key)
                nodes.append(node)
        if not nodes:
            continue
        # One selector per element can run to hundreds (one per highlighted token):
        # the first few locate the fault, the count says how widespread it is.
        targets = ", ".join(" ".join(map(str, node["target"])) for node in nodes[:3])
        more = f", ... (+{len(nodes) - 3})" if len(nodes) > 3 else ""
        found.append(
            (
                violation["id"],
                len(nodes),
                f"{scheme} theme: {violation['help']} ({violation['impact']}): {targets}{more}",
            )
        )
    return found


def check_pages(
    base: str, names: list[str], generated: list[str], shots: Path
) -> tuple[list[str], int, Counter]:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    problems, tabs, failing = [], 0, Counter()
    axe = Axe()
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="light")
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        for name in names:
            errors.clear()
            response = page.goto(base + name, wait_until="load")
            if response is None or response.status != 200:
                problems.append(f"{name}: HTTP {response and response.status}")
            problems += [f"{name}: console: {error}" for error in errors]
            page.screenshot(path=shots / f"{Path(name).stem}.png", full_page=True)
            # axe skips what is hidden, such as a tab set's other panels: check the
            # page as a reader first meets it, then the tab sets again with their last
            # tabs shown (the site's tab sets are Django / Flask pairs, so that covers
            # both; only the tab sets, as axe takes seconds on a page of code).
            seen: set = set()
            violations = axe_violations(page, axe, seen)
            clicked, tab_problems = check_tabs(page)
            if clicked:
                violations += axe_violations(page, axe, seen, within=".sd-tab-set")
            for rule, count, what in violations:
                problems.append(f"{name}: axe {rule}: {count} elements: {what}")
                failing[rule] += count
            tabs += clicked
            problems += [f"{name}: {p}" for p in tab_problems]
        # Readers meet Sphinx's own pages too (the search box leads to one): axe
        # only, with a search's results shown, which the page builds in script.
        for name in generated:
            page.goto(base + name, wait_until="load")
            if name.startswith("search.html"):
                page.wait_for_function(
                    "document.querySelector('p.search-summary')?.textContent.length > 0"
                )
            for rule, count, what in axe_violations(page, axe, set()):
                problems.append(f"{name}: axe {rule}: {count} elements: {what}")
                failing[rule] += count
        browser.close()
    return problems, tabs, failing


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=SITE, help="the built HTML site")
    site = parser.parse_args(argv).site.resolve()
    # Screenshots of another build go beside it, not over the main build's.
    shots = SHOTS.relative_to(ROOT) if site == SITE else site.parent / "screenshots"
    if not (site / "index.html").is_file():
        print("docs-check: build the site first (make docs)", file=sys.stderr)
        return 2
    if not Path(CHROMIUM).is_file():
        print(f"docs-check: no Chromium at {CHROMIUM} (apt install chromium)", file=sys.stderr)
        return 2
    names = sorted(
        p.relative_to(site).as_posix() for p in site.glob("*.html") if p.name not in GENERATED
    )
    generated = sorted(name for name in GENERATED if (site / name).is_file())
    generated = [f"{name}?q=worker" if name == "search.html" else name for name in generated]
    server = serve(site)
    try:
        problems, tabs, failing = check_pages(
            f"http://127.0.0.1:{server.server_address[1]}/", names, generated, shots
        )
    finally:
        server.shutdown()
    problems += broken_links(site)
    for problem in problems:
        print(f"docs-check: {problem}", file=sys.stderr)
    for rule, count in failing.most_common():
        print(f"docs-check: axe {rule}: {count} elements in all", file=sys.stderr)
    print(
        f"docs-check: {len(names)} pages (and {len(generated)} of Sphinx's), "
        f"{tabs} tabs clicked, "
        f"{sum(failing.values())} elements failing axe's WCAG A/AA rules, "
        f"{len(problems)} problems; screenshots in {shots}"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
