import os
import shutil
from pathlib import Path

import pytest

TEMPLATE = Path(__file__).resolve().parents[2] / "miniprogram-template"


def require_template_packages(package: str) -> None:
    """Skip without the template's npm packages, except under `make test` (which
    installs them and sets HEATCLOUD_E2E_REQUIRED=1): there a missing one fails."""
    if (TEMPLATE / "node_modules" / package).exists() and shutil.which("node"):
        return
    if os.environ.get("HEATCLOUD_E2E_REQUIRED") == "1":
        pytest.fail("miniprogram-template/node_modules is missing: run `make test` (it runs npm ci)")
    pytest.skip("the template's npm packages are not installed (make test installs them)")
