"""Product code reaches a company's schema through tenants/directory.py (company_context, schema_company_context,
public_context), never through django-tenants' schema_context/tenant_context: those set the schema on the main
cluster's connection only, so for a company on another cluster they find no schema, or read the public schema's
rows for apps in both SHARED_APPS and TENANT_APPS (deploy/SCALING.md). pyproject's ruff config bans the two names
(TID251) for `make lint`; this test holds the same line for a test run, and catches every way of reaching them
(import, module attribute, import inside a function)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("apps", "tenants", "heat_platform", "graphql_api")
BANNED = {"schema_context", "tenant_context"}
# Each with its reason; pyproject's per-file-ignores for TID251 must say the same.
ALLOWED = {
    "tenants/stats_tasks.py": "stamps the queued task's schema header only (no query); the worker switches cluster",
}


def _uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("django_tenants"):
            found += [f"{node.lineno}: imports {a.name}" for a in node.names if a.name in BANNED]
        elif isinstance(node, ast.Attribute) and node.attr in BANNED:
            found.append(f"{node.lineno}: uses .{node.attr}")
    return found


def _offenders(files: list[Path], root: Path = ROOT) -> list[str]:
    out = []
    for path in files:
        rel = path.relative_to(root).as_posix()
        if rel not in ALLOWED and rel != "tenants/directory.py":
            out += [f"{rel}:{use}" for use in _uses(path)]
    return out


def test_product_code_never_uses_django_tenants_schema_or_tenant_context():
    files = [p for top in PRODUCT for p in (ROOT / top).rglob("*.py") if "migrations" not in p.parts]
    assert len(files) > 100  # the tree was found
    assert _offenders(files) == [], "use tenants.directory.company_context / schema_company_context / public_context"


def test_the_guard_sees_each_form(tmp_path):
    forms = {
        "a.py": "from django_tenants.utils import get_tenant_model, schema_context\n",
        "b.py": "def f(t):\n    from django_tenants.utils import tenant_context\n    return tenant_context(t)\n",
        "c.py": "import django_tenants.utils as u\nwith u.schema_context('x'):\n    pass\n",
        "d.py": "from tenants.directory import company_context\n",
    }
    for name, text in forms.items():
        (tmp_path / name).write_text(text)
    offenders = _offenders(sorted(tmp_path.glob("*.py")), root=tmp_path)
    assert [o.split(":")[0] for o in offenders] == ["a.py", "b.py", "c.py"]


def test_ruff_bans_the_same_names_with_the_same_exceptions():
    lint = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]["lint"]
    assert "TID251" in lint["select"]
    assert set(lint["flake8-tidy-imports"]["banned-api"]) == {f"django_tenants.utils.{n}" for n in BANNED}
    ignored = {path for path, codes in lint["per-file-ignores"].items() if "TID251" in codes}
    assert ignored == {"tests/**", *ALLOWED}
