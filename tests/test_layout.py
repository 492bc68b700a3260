"""What the folders promise: production code leans on no library's private modules."""

import ast

import pytest

from dev_defaults import ROOT

PRODUCTION = ("django_demo", "flask_demo", "shared_tasks", "deploy")


def imported_modules(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module


@pytest.mark.parametrize("package", PRODUCTION)
def test_production_code_imports_no_private_module_of_a_library(package):
    private = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in (ROOT / package).rglob("*.py")
        for module in imported_modules(path)
        if module != "__future__" and any(part.startswith("_") for part in module.split("."))
    ]
    assert private == []
