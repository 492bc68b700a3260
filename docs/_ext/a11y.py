"""``a11y``: fixes to Sphinx's HTML that axe-core's WCAG A/AA rules ask for.

- A code block wider than the page scrolls sideways, and a reader without a
  mouse can only scroll what can take focus (WCAG 2.1.1, axe's
  ``scrollable-region-focusable``): each highlighted ``<pre>`` gets
  ``tabindex="0"``, in the HTML itself, so it holds without JavaScript; so
  does each table's scrolling wrapper.
- Sphinx writes a toctree's caption as ``<p class="caption" role="heading">``
  with no level, which ARIA 1.2 requires (axe's ``aria-required-attr``): it
  gets ``aria-level="2"``, the level ARIA 1.1 implied and browsers still expose,
  so the outline a screen reader shows does not change (as sphinx-doc/sphinx
  pull request 14437 proposes upstream). The caption appears twice: in the page
  body and in furo's sidebar, which furo renders into its own context key.
- ``sphinx.ext.graphviz`` embeds an SVG diagram as an ``<object>`` and puts the
  directive's ``:alt:`` only in the fallback inside it, which nothing reads
  while the SVG shows (axe's ``object-alt``): the ``<object>`` becomes
  ``role="img"`` named by that ``:alt:``. A diagram without ``:alt:`` is left
  unnamed on purpose, so ``make docs-check`` fails until the page gives one
  (the fallback would otherwise name it with its dot source).

The first two are edits of the finished page markup, after furo's own handler
has run: the markup they match comes from Sphinx's HTML writer and Pygments, and
``make docs-check`` runs axe on every page, so a change upstream that stops them
matching fails there rather than passing unnoticed.
"""

from __future__ import annotations

from html import escape

from sphinx.application import Sphinx

FIXES = {
    '<div class="highlight"><pre>': '<div class="highlight"><pre tabindex="0">',
    # A table wider than the page scrolls inside its wrapper, likewise.
    '<div class="table-wrapper': '<div tabindex="0" class="table-wrapper',
    '<p class="caption" role="heading">': '<p class="caption" role="heading" aria-level="2">',
}
#: The context keys that hold page markup: the body, and furo's sidebar.
KEYS = ("body", "furo_navigation_tree")


def fix_markup(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    for key in KEYS:
        html = context.get(key)
        if not isinstance(html, str):
            continue
        for old, new in FIXES.items():
            html = html.replace(old, new)
        context[key] = html


def html_visit_graphviz(self, node) -> None:
    from sphinx.ext.graphviz import html_visit_graphviz as render

    start = len(self.body)
    try:
        render(self, node)
    finally:  # it ends by raising SkipNode, having written the whole diagram
        if node.get("alt"):
            label = f'<object role="img" aria-label="{escape(node["alt"], quote=True)}" '
            self.body[start:] = [part.replace("<object ", label, 1) for part in self.body[start:]]


def setup(app: Sphinx) -> dict:
    # After furo's handler (priority 500), which builds the sidebar's markup.
    app.connect("html-page-context", fix_markup, priority=900)
    if "sphinx.ext.graphviz" in app.extensions:  # listed before this one in conf.py
        from sphinx.ext.graphviz import graphviz

        app.add_node(graphviz, override=True, html=(html_visit_graphviz, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
