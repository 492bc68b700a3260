"""Sphinx configuration for the Celery in Practice tutorial."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "docs" / "_ext"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_demo.settings")

project = "Celery in Practice"
author = "Celery in Practice contributors"
copyright = "2026, " + author

extensions = [
    "myst_parser",
    "sphinx_design",
    "sphinx_copybutton",
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "sphinx.ext.graphviz",  # diagrams drawn at build time from the dot text in the pages
    "libsource",  # docs/_ext: installed libraries' source, from the installed version
    "literate",  # docs/_ext: our own modules as literate programs, prose from their comments
    "a11y",  # docs/_ext: keyboard-reachable code blocks, toctree captions with a heading level
]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]

html_theme = "furo"
html_title = "Celery in Practice"
# Pygments' accessible styles (accessible-pygments, a furo dependency): every token
# at WCAG AA contrast on the style's own background, which furo uses for code blocks.
pygments_style = "a11y-light"
pygments_dark_style = "a11y-dark"
# sphinx-design's tab labels in furo's own text colours, at AA contrast in both themes.
html_static_path = ["_static"]
html_css_files = ["a11y.css"]

autodoc_member_order = "bysource"
autodoc_typehints = "description"

# SVG, so diagrams stay sharp and their labels are text; on white, so they read in
# the dark theme too; one look for every diagram, so the pages hold only the graph.
graphviz_output_format = "svg"
graphviz_dot_args = [
    "-Gbgcolor=white",
    "-Gfontname=sans-serif",
    "-Gfontsize=11",
    "-Nfontname=sans-serif",
    "-Nfontsize=11",
    "-Nshape=box",
    "-Nstyle=rounded",
    "-Efontname=sans-serif",
    "-Efontsize=10",
]

# Cross-references only; no network is needed to build.
intersphinx_mapping = {}
