"""Every company's branded build of the real template compiles: WeChat's own
WXML/WXSS compilers, then miniprogram-ci's offline compile
(miniprogram-template/tests/tools/compile-check.js)."""

from __future__ import annotations

import subprocess

from tests.factories.tenants import ALPHA_APP_ID, BETA_APP_ID, brand, png

from .conftest import TEMPLATE, require_template_packages

CHECK = TEMPLATE / "tests" / "tools" / "compile-check.js"


def test_every_branded_build_compiles(alpha, beta, mp_media, settings, tmp_path):
    from tenants.miniprogram_build import build_package, write_project
    from tenants.models import HeatingCompany

    require_template_packages("miniprogram-ci")
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
