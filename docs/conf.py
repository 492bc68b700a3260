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
]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]

html_theme = "furo"
html_title = "Celery in Practice"
pygments_style = "friendly"

autodoc_member_order = "bysource"
autodoc_typehints = "description"

# SVG, so diagrams stay sharp and their labels are text.
graphviz_output_format = "svg"

# Cross-references only; no network is needed to build.
intersphinx_mapping = {}
