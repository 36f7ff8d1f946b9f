"""Tenants test helpers: the branding and build GraphQL documents, and fully
branded companies (opt-in). Shared builders (brand, png, the template) are in
tests/factories/tenants.py; mp_media and mp_template in tests/conftest.py."""

from __future__ import annotations

import pytest

from tests.factories.tenants import ALPHA_APP_ID, BETA_APP_ID, brand, png

BRANDING = (
    "mutation($i:BrandingInput!){updateBranding(input:$i){branding{displayName logoUrl themeColor servicePhone "
    "appId apiBaseUrl complete missing} errors{field code message}}}"
)
BUILD = "mutation{buildMiniprogram{build{id sha256 size appId apiBaseUrl downloadUrl} errors{field code message}}}"


@pytest.fixture
def branded(alpha, beta, mp_media, mp_template):
    """alpha and beta with complete, different branding."""
    brand(alpha, app_id=ALPHA_APP_ID, name="阿尔法热力", color="#D9480F", logo=png(128, 128))
    brand(beta, app_id=BETA_APP_ID, name="贝塔供热", color="#1C5D99", phone="0531-88886666", logo=png(96, 90))
    return alpha, beta
