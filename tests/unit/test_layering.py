"""The import contract (STYLE.md habit 1): inner layers never import outer ones."""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_MAY_IMPORT = ("eventsourcing.domain", "domain")


def python_files(package: str) -> list[Path]:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no Python files found in {package}/"
    return files


def imported_modules(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                yield f"{path.parent.name}.{node.module or ''}".rstrip(".")
            else:
                yield str(node.module)


def is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def domain_may_import(module: str) -> bool:
    top = module.split(".")[0]
    return top in sys.stdlib_module_names or any(
        is_within(module, allowed) for allowed in DOMAIN_MAY_IMPORT
    )


def outside_imports(package: str, allowed: Callable[[str], bool]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}: {module}"
        for path in python_files(package)
        for module in imported_modules(path)
        if not allowed(module)
    ]


def test_the_domain_imports_only_the_stdlib_and_eventsourcing_domain() -> None:
    assert outside_imports("domain", domain_may_import) == []


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        pytest.param("application", ("infrastructure", "api"), id="application"),
        pytest.param("infrastructure", ("api",), id="infrastructure"),
    ],
)
def test_a_layer_does_not_import_the_layers_around_it(
    package: str, forbidden: tuple[str, ...]
) -> None:
    def allowed(module: str) -> bool:
        return not any(is_within(module, outer) for outer in forbidden)

    assert outside_imports(package, allowed) == []


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "sneaky.py"
    module.write_text("import os\nfrom eventsourcing.application import Application\n")

    assert [m for m in imported_modules(module) if not domain_may_import(m)] == [
        "eventsourcing.application"
    ]
