"""The tutorial's claims about libraries, and the extension that shows their source."""

import os
import subprocess
import sys
from pathlib import Path

from dev_defaults import ROOT

SPHINX = [sys.executable, "-m", "sphinx"]


def test_the_docs_doctests_pass_against_the_installed_libraries(tmp_path):
    build = subprocess.run(
        [*SPHINX, "-q", "-b", "doctest", str(ROOT / "docs"), str(tmp_path)],
        capture_output=True,
        text=True,
    )
    report = (tmp_path / "output.txt").read_text() if (tmp_path / "output.txt").exists() else ""
    assert build.returncode == 0, build.stdout + build.stderr + report
    assert "0 failures in tests" in report and " 0 tests" not in report


class FakeLibrary:
    """An installed distribution of our own making, whose source the test can change."""

    def __init__(self, root: Path):
        self.site = root / "site"
        (self.site / "fakelib").mkdir(parents=True)
        self.module = self.site / "fakelib" / "__init__.py"
        info = self.site / "fakelib-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fakelib\nVersion: 1.0\n")
        (info / "top_level.txt").write_text("fakelib\n")
        self.write("return 1")

    def write(self, body: str) -> None:
        self.module.write_text(f"def answer():\n    {body}\n")
        os.utime(self.module, (1_000_000_000, 1_000_000_000))  # file times say nothing


def build_project(tmp_path: Path, name: str) -> tuple[Path, Path]:
    source = tmp_path / "docs"
    source.mkdir(exist_ok=True)
    (source / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / 'docs' / '_ext')!r})\n"
        "extensions = ['myst_parser', 'libsource']\n"
    )
    (source / "index.md").write_text(f"# Page\n\n```{{libsource}} {name}\n```\n")
    return source, tmp_path / "html"


def sphinx(source: Path, out: Path, site: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(site))
    return subprocess.run(
        [*SPHINX, "-W", "-b", "html", str(source), str(out)],
        capture_output=True,
        text=True,
        env=env,
    )


def test_libsource_captions_the_release_and_follows_a_change_of_source(tmp_path):
    library = FakeLibrary(tmp_path)
    source, out = build_project(tmp_path, "fakelib.answer")
    first = sphinx(source, out, library.site)
    assert first.returncode == 0, first.stderr
    page = (out / "index.html").read_text()
    assert "fakelib 1.0: fakelib/__init__.py, lines 1-2" in page and "return</span>" in page

    unchanged = sphinx(source, out, library.site)
    assert "0 changed" in unchanged.stdout or "no targets are out of date" in unchanged.stdout

    library.write("return 42")
    changed = sphinx(source, out, library.site)
    assert changed.returncode == 0, changed.stderr
    assert "42" in (out / "index.html").read_text()


def test_libsource_shows_only_the_lines_asked_for_with_their_numbers_in_the_file(tmp_path):
    library = FakeLibrary(tmp_path)
    source, out = build_project(tmp_path, "fakelib.answer")
    (source / "index.md").write_text("# Page\n\n```{libsource} fakelib.answer\n:lines: 2\n```\n")
    build = sphinx(source, out, library.site)
    assert build.returncode == 0, build.stderr
    page = (out / "index.html").read_text()
    assert "fakelib/__init__.py, lines 2-2" in page and "answer" not in page.split("<pre>")[1]


def test_libsource_fails_the_build_for_a_name_that_is_gone(tmp_path):
    library = FakeLibrary(tmp_path)
    source, out = build_project(tmp_path, "fakelib.question")
    build = sphinx(source, out, library.site)
    assert build.returncode != 0
    assert "cannot show 'fakelib.question'" in build.stderr


def test_docs_show_project_code_only_by_inclusion():
    """No pasted copies: a code block in the docs may not repeat a line of our code."""
    ours = set()
    for package in ("django_demo", "flask_demo", "shared_tasks", "launcher", "devstack", "deploy"):
        for path in (ROOT / package).rglob("*.py"):
            ours |= {
                line.strip()
                for line in path.read_text().splitlines()
                if len(line.strip()) > 30 and not line.strip().startswith("#")
            }
    pasted = []
    for page in (ROOT / "docs").glob("*.md"):
        fence = None
        for number, line in enumerate(page.read_text().splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith("```"):
                fence = None if fence else stripped
            elif fence and "literalinclude" not in fence and stripped in ours:
                pasted.append(f"{page.name}:{number}: {stripped}")
    assert pasted == []


def test_site_check_finds_broken_internal_links(tmp_path):
    sys.path.insert(0, str(ROOT / "docs" / "_tools"))
    from sitecheck import broken_links

    (tmp_path / "index.html").write_text(
        '<h1 id="top">x</h1><a href="#top">ok</a><a href="page.html#there">ok</a>'
        '<a href="page.html#nowhere">bad anchor</a><a href="gone.html">bad page</a>'
        '<a href="https://example.org/#x">external</a><a href="_static/s.css">static</a>'
        '<img src="_images/shot.png"><img src="_images/missing.png">'
    )
    (tmp_path / "page.html").write_text('<p id="there">y</p><a href="index.html">ok</a>')
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "s.css").write_text("")
    (tmp_path / "_images").mkdir()
    (tmp_path / "_images" / "shot.png").write_bytes(b"")
    assert broken_links(tmp_path) == [
        "index.html: page.html#nowhere (no such anchor)",
        "index.html: gone.html (no such file)",
        "index.html: _images/missing.png (no such file)",
    ]


def test_literate_shows_each_explanation_before_the_code_it_explains():
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    from literate import Code, Prose, sections

    source = '''"""The module, in prose."""

import os

# Why the constant:
# two lines of it.
LIMIT = 3  # stays with its line
#: stays with its name
NAME = "x"


@decorated
def work():
    """What work does."""
    # inside a body: stays in the code
    return os.getpid()
'''
    parts = sections(source)
    shown = [p.text if isinstance(p, Prose) else (p.first, p.lines) for p in parts]
    assert shown == [
        "The module, in prose.",
        (3, ["import os"]),
        "Why the constant:\ntwo lines of it.",
        (7, ["LIMIT = 3  # stays with its line", "#: stays with its name", 'NAME = "x"']),
        "What work does.",
        (12, ["@decorated", "def work():"]),
        # A block starts again after the docstring, so each line keeps its own number.
        (15, ["    # inside a body: stays in the code", "    return os.getpid()"]),
    ]
    assert [(p.first, p.lines[0]) for p in sections(source, "work") if isinstance(p, Code)] == [
        (12, "@decorated"),
        (15, "    # inside a body: stays in the code"),
    ]
