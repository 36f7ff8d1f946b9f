"""Every company's branded build of the real template compiles: WeChat's own
WXML/WXSS compilers, then miniprogram-ci's offline compile
(miniprogram-template/tests/tools/compile-check.js)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.tenants.conftest import ALPHA_APP_ID, BETA_APP_ID, brand, mp_media, png  # noqa: F401  (fixture)

TEMPLATE = Path(__file__).resolve().parents[2] / "miniprogram-template"
CHECK = TEMPLATE / "tests" / "tools" / "compile-check.js"


def _node_ready() -> None:
    if (TEMPLATE / "node_modules" / "miniprogram-ci").exists() and shutil.which("node"):
        return
    if os.environ.get("HEATCLOUD_E2E_REQUIRED") == "1":
        pytest.fail("miniprogram-template/node_modules is missing: run `make test` (it runs npm ci)")
    pytest.skip("the template's npm packages are not installed (make test installs them)")


def test_every_branded_build_compiles(alpha, beta, mp_media, settings, tmp_path):  # noqa: F811
    from tenants.miniprogram_build import build_package, write_project
    from tenants.models import HeatingCompany

    _node_ready()
    settings.MINIPROGRAM_TEMPLATE_DIR = str(TEMPLATE)
    brand(alpha, app_id=ALPHA_APP_ID, name="阿尔法热力", color="#D9480F", logo=png(128, 128))
    brand(beta, app_id=BETA_APP_ID, name="贝塔供热", color="#1C5D99", phone="0531-88886666", logo=png(96, 90))
    for slug, app_id in (("alpha", ALPHA_APP_ID), ("beta", BETA_APP_ID)):
        result = build_package(tenant=HeatingCompany.objects.get(slug=slug))
        out = tmp_path / slug
        write_project(result.files, out_dir=out)
        assert app_id in (out / "project.config.json").read_text()
        check = subprocess.run(["node", str(CHECK), str(out)], cwd=TEMPLATE, capture_output=True,
                               text=True, timeout=180, check=False)
        assert check.returncode == 0, f"{slug}: {check.stdout[-3000:]}{check.stderr[-3000:]}"
