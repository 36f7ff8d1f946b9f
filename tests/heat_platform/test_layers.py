"""Who may import whom (ARCHITECTURE.md): domain code never imports the GraphQL
layer, and the shared kernel imports neither the GraphQL layer nor the web
wiring. Every import counts, including ones inside functions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # resolve relative imports against the module's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return found


def _modules(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts)


def _violations(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [f"{p.relative_to(ROOT)}:{line} imports {name}"
            for p in paths for line, name in _imports(p)
            if any(name == f or name.startswith(f + ".") for f in forbidden)]


def test_domain_code_never_imports_the_graphql_layer():
    assert _violations(_modules("apps", "tenants"), ("graphql_api",)) == []


def test_the_kernel_imports_no_graphql_and_no_web_wiring():
    forbidden = ("graphql_api", "graphene", "graphene_django", "heat_platform.urls_public",
                 "heat_platform.urls_tenant")
    assert _violations(_modules("heat_platform/kernel"), forbidden) == []


@pytest.mark.parametrize("source,expected", [
    ("from graphql_api.core import x\n", ["x.py:1 imports graphql_api.core"]),
    ("def f():\n    import graphql_api.tenant_schema\n", ["x.py:2 imports graphql_api.tenant_schema"]),
    ("from ..graphql_api import y\n", []),  # resolves to apps.graphql_api, a different package
    ("import graphql\n", []),
])
def test_the_checker_sees_every_kind_of_import(tmp_path, monkeypatch, source, expected):
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    (tmp_path / "apps" / "sub").mkdir(parents=True)
    module = tmp_path / "apps" / "sub" / "x.py"
    module.write_text(source)
    found = _violations([module], ("graphql_api",))
    assert [f.replace("apps/sub/", "") for f in found] == expected
