"""GraphiQL loads nothing from another origin (issue #10.10): every script and
stylesheet of the page is served by the project under /static/ (by
runserver's static handler, as in `make run`), and each file is the exact
version graphene-django pins (its sha256 is the page's integrity hash)."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.handlers.wsgi import WSGIHandler
from django.test import RequestFactory, override_settings

from graphql_api import platform_schema, tenant_schema
from graphql_api.core.views import HeatGraphQLView

_ATTR = re.compile(r"""\b(src|href|action)\s*=\s*["']([^"']*)["']""", re.I)


def _graphiql_html(schema) -> str:
    with override_settings(GRAPHIQL_ENABLED=True):  # the view reads it when the URLconf builds it, as in dev
        resp = HeatGraphQLView.as_view(schema=schema)(RequestFactory().get("/graphql/", HTTP_ACCEPT="text/html"))
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/html")
    return resp.content.decode()


def _served_by_the_dev_server(url: str) -> tuple[int, bytes]:
    """GET through the handler runserver puts in front of the project (StaticFilesHandler)."""
    environ = RequestFactory().get(url).environ
    status = []
    handler = StaticFilesHandler(WSGIHandler())
    body = b"".join(handler(environ, lambda s, headers, *_: status.append(int(s.split()[0]))))
    return status[0], body


@pytest.mark.parametrize("schema", [tenant_schema.schema, platform_schema.schema], ids=["company", "platform"])
def test_graphiql_references_no_other_origin_and_every_asset_is_served(db, schema):
    html = _graphiql_html(schema)
    urls = [url for _attr, url in _ATTR.findall(html)]
    assert len(urls) >= 8, urls  # 2 stylesheets, 6 scripts
    external = [u for u in urls if "//" in u or ":" in u.split("/")[0]]
    assert not external, external
    assert not re.search(r"https?://", html.split("-->", 1)[1]), "an absolute URL outside the leading comment"
    integrity = dict(re.findall(r"""(?:src|href)="([^"]+)"\s+integrity="([^"]+)\"""", html))
    for url in urls:
        assert url.startswith("/static/"), url
        status, body = _served_by_the_dev_server(url)
        assert status == 200 and body, url
        if url in integrity:  # the vendored files: byte-identical to what graphene-django pins
            digest = "sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode()
            assert integrity[url] == digest, url
    assert len(integrity) == 7, integrity


def test_the_vendored_files_carry_their_licenses():
    from django.contrib.staticfiles import finders

    for folder in ("react-17.0.2", "react-dom-17.0.2", "graphiql-2.4.7", "graphql-ws-5.13.1",
                   "plugin-explorer-0.1.15"):
        path = finders.find(f"graphql_api/graphiql/{folder}/LICENSE")
        assert path, folder
        with open(path, encoding="utf-8") as fh:
            assert "MIT License" in fh.read(), folder
