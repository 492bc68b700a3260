"""``{literate}``: a Python file of the repository as a literate program.

Its docstrings and comment blocks at the left margin become the page's prose, each
followed by the code it explains, with the file's path and line numbers; the
explanation then lives once, in the code, and cannot drift from it::

    ```{literate} ../launcher/reloader.py
    :pyobject: run_reloading
    ```

A docstring is shown before the ``def`` or ``class`` it documents (docco's
order: the why, then the how). ``:pyobject:`` narrows the file to one class
or function (``Class.method`` too), as ``literalinclude``'s option does.
"""

from __future__ import annotations

import ast
import inspect
import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.directives.code import container_wrapper
from sphinx.util.docutils import SphinxDirective

DEFINITIONS = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
#: A reST role in a docstring (``:func:`name```), which MyST writes ``{func}`name```.
REST_ROLE = re.compile(r":([a-z]+(?::[a-z]+)?):`")


@dataclass
class Prose:
    text: str


@dataclass
class Code:
    first: int  # 1-based line number of the first line
    lines: list[str]


def find(tree: ast.Module, dotted: str) -> ast.AST:
    node: ast.AST = tree
    for name in dotted.split("."):
        node = next((n for n in node.body if isinstance(n, DEFINITIONS) and n.name == name), None)
        if node is None:
            raise ValueError(f"no class or function {dotted!r}")
    return node


def start_line(node: ast.AST) -> int:
    """Where a definition begins to the reader: at its first decorator."""
    return min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])


def sections(source: str, pyobject: str | None = None) -> list[Prose | Code]:
    """The file (or one definition of it) cut into prose and the code each explains."""
    lines = source.splitlines()
    tree = ast.parse(source)
    first, last = 1, len(lines)
    if pyobject:
        node = find(tree, pyobject)
        first, last = start_line(node), node.end_lineno

    prose_before: dict[int, list[str]] = {}  # line number -> prose shown before it
    hidden: set[int] = set()

    for node in ast.walk(tree):
        if not isinstance(node, (ast.Module, *DEFINITIONS)):
            continue
        docstring = ast.get_docstring(node)
        if docstring is None:
            continue
        expr = node.body[0]
        hidden.update(range(expr.lineno, expr.end_lineno + 1))
        anchor = 1 if isinstance(node, ast.Module) else start_line(node)
        prose_before.setdefault(anchor, []).append(inspect.cleandoc(docstring))

    block: list[int] = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        line = token.start[0]
        # Prose is a block of whole-line comments at the left margin. A comment
        # after code, inside a body, or on a name (``#:``) stays with its line.
        if token.type != tokenize.COMMENT or token.start[1] > 0:
            continue
        if token.string.startswith(("#:", "#!")):
            continue
        if block and line != block[-1] + 1:
            add_comment(block, lines, prose_before, hidden)
            block = []
        block.append(line)
    if block:
        add_comment(block, lines, prose_before, hidden)

    result: list[Prose | Code] = []
    code: Code | None = None
    for number in range(first, last + 1):
        if number in prose_before:
            result.extend(Prose(text) for text in prose_before[number])
            code = None
        if number in hidden:
            code = None  # the next block starts at its own line number
            continue
        if code is None:
            code = Code(number, [])
            result.append(code)
        code.lines.append(lines[number - 1])
    return [part for part in map(trimmed, result) if part]


def add_comment(block, lines, prose_before, hidden) -> None:
    text = "\n".join(lines[n - 1].removeprefix("#") for n in block)
    prose_before.setdefault(block[0], []).append(inspect.cleandoc(text))
    hidden.update(block)


def trimmed(part: Prose | Code) -> Prose | Code | None:
    """Code without its blank first and last lines (None if nothing is left)."""
    if isinstance(part, Prose):
        return part
    while part.lines and not part.lines[0].strip():
        part.first += 1
        part.lines.pop(0)
    while part.lines and not part.lines[-1].strip():
        part.lines.pop()
    return part if part.lines else None


class Literate(SphinxDirective):
    required_arguments = 1
    option_spec = {"pyobject": str}

    def run(self) -> list[nodes.Node]:
        relative, path = self.env.relfn2path(self.arguments[0])
        self.env.note_dependency(relative)
        file = Path(path)
        shown = file.resolve().relative_to(Path(self.env.srcdir).resolve().parent).as_posix()
        try:
            parts = sections(file.read_text(), self.options.get("pyobject"))
        except (OSError, SyntaxError, ValueError) as error:
            raise self.error(f"{shown}: {error}") from error

        container = nodes.container(classes=["literate"])
        for part in parts:
            if isinstance(part, Prose):
                text = REST_ROLE.sub(r"{\1}`", part.text)
                self.state.nested_parse(StringList(text.splitlines(), shown), 0, container)
                continue
            text = "\n".join(part.lines)
            block = nodes.literal_block(text, text, language="python", linenos=True)
            block["highlight_args"] = {"linenostart": part.first}
            self.set_source_info(block)
            end = part.first + len(part.lines) - 1
            lines = f"lines {part.first}\u2013{end}" if end > part.first else f"line {end}"
            caption = f"{shown}, {lines}"
            container += container_wrapper(self, block, caption)
        return [container]


def setup(app):
    app.add_directive("literate", Literate)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
