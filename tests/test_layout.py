"""What the folders promise: the production code leans on no development tooling and
on no library's private modules."""

import ast

import pytest

from dev_defaults import ROOT
from tests.support import DEV_TOOLING

PRODUCTION = ("django_demo", "flask_demo", "shared_tasks", "deploy")


def module_level_imports(path):
    """What a module imports as it loads (not inside a function, where a command
    imports its tooling when it runs)."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module


def imports(package):
    for path in sorted((ROOT / package).rglob("*.py")):
        for module in module_level_imports(path):
            yield f"{path.relative_to(ROOT)}: {module}", module


@pytest.mark.parametrize("package", PRODUCTION)
def test_production_code_imports_no_development_tooling(package):
    found = [where for where, module in imports(package) if module.split(".")[0] in DEV_TOOLING]
    assert found == []


@pytest.mark.parametrize("package", PRODUCTION)
def test_production_code_imports_no_private_module_of_a_library(package):
    found = [
        where
        for where, module in imports(package)
        if module != "__future__" and any(part.startswith("_") for part in module.split("."))
    ]
    assert found == []
