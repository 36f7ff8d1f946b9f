"""How the tests are laid out: builders shared between folders live in
tests/factories/, fixtures shared between folders in tests/conftest.py, and
no module under tests/ imports a test module, another folder's conftest or
another folder's helpers (which would run or share that folder's fixtures and
tie the two folders together). Every import counts, including ones inside
functions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in `path`; `from package import module` names the module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # resolve relative imports against the module's package
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((node.lineno, name))
            found += [(node.lineno, f"{name}.{alias.name}") for alias in node.names
                      if _is_module(f"{name}.{alias.name}")]
    return found


def _problem(importer: Path, name: str) -> str | None:
    if name != "tests" and not name.startswith("tests."):
        return None
    last = name.rsplit(".", 1)[-1]
    if last.startswith(("test_", "bench_")):
        return "a test module"
    own = ".".join(importer.relative_to(ROOT).with_suffix("").parts[:-1])
    parent = name.rsplit(".", 1)[0]
    if name == "tests.factories" or name.startswith("tests.factories.") or parent == own or name == own:
        return None
    if parent == "tests" and last != "conftest":  # a shared helper at the root: tests/queries.py, ...
        return None
    return "another folder's conftest" if last == "conftest" else "another folder's module"


def _violations(paths: list[Path]) -> list[str]:
    return [f"{p.relative_to(ROOT)}:{line} imports {name} ({problem})"
            for p in paths for line, name in _imports(p)
            if (problem := _problem(p, name))]


def test_no_test_imports_a_test_module_or_another_folders_conftest_or_helpers():
    assert _violations(sorted((ROOT / "tests").rglob("*.py"))) == []


@pytest.mark.parametrize("where,source,expected", [
    ("tests/a/test_x.py", "from tests.b.conftest import f\n", ["tests.b.conftest (another folder's conftest)"]),
    ("tests/a/test_x.py", "from tests.conftest import PASSWORD\n", ["tests.conftest (another folder's conftest)"]),
    ("tests/a/test_x.py", "from tests.b import conftest\n", ["tests.b.conftest (another folder's conftest)"]),
    ("tests/a/test_x.py", "def f():\n    from tests.b.helpers import g\n",
     ["tests.b.helpers (another folder's module)"]),
    ("tests/a/test_x.py", "from .test_y import g\n", ["tests.a.test_y (a test module)"]),
    ("tests/a/test_x.py", "from tests.b.test_y import g\n", ["tests.b.test_y (a test module)"]),
    ("tests/a/test_x.py", "import tests.b.test_y\n", ["tests.b.test_y (a test module)"]),
    ("tests/factories/x.py", "from tests.a.conftest import f\n", ["tests.a.conftest (another folder's conftest)"]),
    ("tests/a/test_x.py", "from .conftest import CONSTANT\n", []),  # its own folder's constants
    ("tests/a/test_x.py", "from tests.factories.b import f\n", []),
    ("tests/a/test_x.py", "from tests.queries import counted\n", []),  # a shared helper at the root
    ("tests/a/test_x.py", "from ..b import helpers\n", ["tests.b.helpers (another folder's module)"]),
])
def test_the_checker_sees_every_kind_of_import(tmp_path, monkeypatch, where, source, expected):
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    for package in ("tests", "tests/a", "tests/b", "tests/factories"):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "__init__.py").write_text("")
    for module in ("tests/conftest.py", "tests/queries.py", "tests/a/conftest.py", "tests/a/test_y.py",
                   "tests/b/conftest.py", "tests/b/helpers.py", "tests/b/test_y.py", "tests/factories/b.py"):
        (tmp_path / module).write_text("")
    module = tmp_path / where
    module.write_text(source)
    found = _violations([module])
    assert [f.split(" imports ", 1)[1] for f in found] == expected
