"""``libsource``: show the source of an installed library's object, as installed.

    ```{libsource} django.utils.autoreload.run_with_reloader
    ```

renders the function's source with a caption giving the distribution, its
version, and the file and line range. The page is read again whenever that
source changes (its hash is kept in the environment, so an upgrade is noticed
even when file times say nothing); a name that no longer exists fails the
build. A click command shows its callback.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
from importlib.metadata import packages_distributions, version
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import set_source_info


class Source:
    """One object's source: its text, where it lives, and which release it is."""

    def __init__(self, dotted: str):
        self.dotted = dotted
        obj = self._resolve(dotted)
        obj = getattr(obj, "callback", None) or obj  # a click command: its function
        obj = inspect.unwrap(obj)  # and not the decorator's wrapper (click.pass_context)
        self.lines, self.first = inspect.getsourcelines(obj)
        self.text = "".join(self.lines)
        top = dotted.partition(".")[0]
        self.distribution = packages_distributions()[top][0]
        self.version = version(self.distribution)
        path = Path(inspect.getsourcefile(obj)).resolve()
        package_root = Path(importlib.import_module(top).__file__).resolve().parent.parent
        self.path = path.relative_to(package_root).as_posix()

    @staticmethod
    def _resolve(dotted: str):
        parts = dotted.split(".")
        for split in range(len(parts), 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:split]))
            except ImportError:
                continue
            for attribute in parts[split:]:
                obj = getattr(obj, attribute)
            return obj
        raise ImportError(dotted)

    def narrow(self, spec: str) -> None:
        """Keep only lines ``start-end`` of the object (counted from 1, its first line)."""
        start, _, end = spec.partition("-")
        start, end = int(start), int(end or start)
        if not 1 <= start <= end <= len(self.lines):
            raise ValueError(f"lines {spec} outside 1-{len(self.lines)}")
        self.lines = self.lines[start - 1 : end]
        self.first += start - 1
        self.text = "".join(self.lines)

    @property
    def digest(self) -> str:
        # Everything the page shows: the caption (release, file, lines) and the text.
        return hashlib.sha256(f"{self.caption}\0{self.text}".encode()).hexdigest()

    @property
    def caption(self) -> str:
        last = self.first + len(self.lines) - 1
        return f"{self.distribution} {self.version}: {self.path}, lines {self.first}-{last}"


def digest_or_none(dotted: str) -> str | None:
    try:
        return Source(dotted).digest
    except Exception:  # gone or broken: the page must be read again, and fail there
        return None


class LibSource(SphinxDirective):
    required_arguments = 1
    # ``lines``: the part of a long function that matters, counted from its first
    # line; the caption gives the file's line numbers of what is shown.
    option_spec = {"emphasize-lines": directives.unchanged, "lines": directives.unchanged}

    def run(self):
        dotted = self.arguments[0]
        try:
            source = Source(dotted)
        except (ImportError, AttributeError, KeyError, OSError, TypeError) as exc:
            raise self.error(f"libsource: cannot show {dotted!r}: {exc!r}") from None
        recorded = self.env.libsource_digests.setdefault(self.env.docname, {})
        recorded[dotted] = source.digest
        if "lines" in self.options:
            try:
                source.narrow(self.options["lines"])
            except ValueError as exc:
                raise self.error(f"libsource: {dotted}: {exc}") from None

        block = nodes.literal_block(source.text, source.text, language="python")
        block["classes"].append("libsource")
        if "emphasize-lines" in self.options:
            wanted = directives.positive_int_list(self.options["emphasize-lines"])
            block["highlight_args"] = {"hl_lines": wanted}
        set_source_info(self, block)
        container = nodes.container("", literal_block=True, classes=["literal-block-wrapper"])
        caption = nodes.caption(source.caption, source.caption)
        set_source_info(self, caption)
        container += [caption, block]
        return [container]


def on_builder_inited(app: Sphinx) -> None:
    if not hasattr(app.env, "libsource_digests"):
        app.env.libsource_digests = {}


def outdated(app, env, added, changed, removed) -> list[str]:
    """Pages whose library source changed, vanished or moved to another release."""
    return [
        docname
        for docname, recorded in env.libsource_digests.items()
        if docname not in removed
        and any(digest_or_none(name) != digest for name, digest in recorded.items())
    ]


def purge(app, env, docname) -> None:
    env.libsource_digests.pop(docname, None)


def merge(app, env, docnames, other) -> None:
    for docname in docnames:
        if docname in other.libsource_digests:
            env.libsource_digests[docname] = other.libsource_digests[docname]


def setup(app: Sphinx) -> dict:
    app.add_directive("libsource", LibSource)
    app.connect("builder-inited", on_builder_inited)
    app.connect("env-get-outdated", outdated)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
