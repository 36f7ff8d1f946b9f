"""The console's page: served on both kinds of host at /console/ and any client route below it, with the
bootstrap JSON the SPA reads (which console, the company and its status), also for a suspended company
whose API stays refused."""

from __future__ import annotations

import json
import re

import pytest

from apps.console import views

INDEX = '<!doctype html><html><head><!--console-bootstrap--></head><body><div id="root"></div></body></html>'


@pytest.fixture
def built_index(tmp_path, monkeypatch):
    index = tmp_path / "index.html"
    index.write_text(INDEX, encoding="utf-8")
    monkeypatch.setattr(views, "INDEX", index)
    views._cache.clear()
    yield index
    views._cache.clear()


def _bootstrap(response) -> dict:
    html = response.content.decode()
    match = re.search(r'<script id="console-bootstrap" type="application/json">(.*?)</script>', html, re.S)
    assert match, html
    return json.loads(match.group(1))


@pytest.mark.django_db
def test_tenant_host_serves_the_staff_console_on_every_client_route(client, alpha, built_index):
    for path in ("/console/", "/console/houses/42", "/console/login"):
        response = client.get(path, HTTP_HOST=alpha.host)
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith("text/html")
        boot = _bootstrap(response)
        assert boot["kind"] == "tenant"
        assert boot["tenant"]["slug"] == alpha.slug
        assert boot["tenant"]["status"] == "ACTIVE"
        assert boot["graphql"] == "/graphql/"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_platform_host_serves_the_operator_console(client, built_index, settings):
    response = client.get("/console/tenants", HTTP_HOST=settings.PLATFORM_DOMAIN)
    assert response.status_code == 200
    boot = _bootstrap(response)
    assert boot["kind"] == "platform" and boot["tenant"] is None


@pytest.mark.django_db
def test_language_follows_the_request(client, alpha, built_index):
    en = client.get("/console/", HTTP_HOST=alpha.host, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    zh = client.get("/console/", HTTP_HOST=alpha.host, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert _bootstrap(en)["language"] == "en"
    assert _bootstrap(zh)["language"] == "zh-hans"


@pytest.mark.django_db
def test_suspended_company_gets_its_page_but_no_api(client, alpha, built_index):
    from tenants.models import HeatingCompany

    HeatingCompany.objects.filter(slug=alpha.slug).update(status=HeatingCompany.Status.SUSPENDED)
    page = client.get("/console/", HTTP_HOST=alpha.host)
    assert page.status_code == 200
    assert _bootstrap(page)["tenant"]["status"] == "SUSPENDED"
    api = client.post("/graphql/", data={"query": "{ me { id } }"}, content_type="application/json",
                      HTTP_HOST=alpha.host)
    assert api.status_code == 423
    assert api.json()["error"]["code"] == "TENANT_SUSPENDED"


@pytest.mark.django_db
def test_names_in_the_bootstrap_cannot_close_the_script(client, alpha, built_index):
    from tenants.models import HeatingCompany

    HeatingCompany.objects.filter(slug=alpha.slug).update(name="</script><script>alert(1)</script>")
    html = client.get("/console/", HTTP_HOST=alpha.host).content.decode()
    assert "<script>alert(1)" not in html
    assert _bootstrap(client.get("/console/", HTTP_HOST=alpha.host))["tenant"]["name"].startswith("</script>")


@pytest.mark.django_db
def test_without_a_build_the_page_says_how_to_build_it(client, alpha, tmp_path, monkeypatch):
    monkeypatch.setattr(views, "INDEX", tmp_path / "missing.html")
    views._cache.clear()
    response = client.get("/console/", HTTP_HOST=alpha.host)
    assert response.status_code == 503
    assert b"make run" in response.content


@pytest.mark.django_db
def test_console_without_slash_redirects(client, alpha, built_index):
    response = client.get("/console", HTTP_HOST=alpha.host)
    assert response.status_code in (301, 302)
    assert response["Location"].endswith("/console/")


@pytest.mark.django_db
def test_a_suspended_company_reloading_the_console_home_reaches_its_page(client, alpha, built_index):
    """The router writes the home page as /console (no slash): a reload there while suspended is redirected
    to the page, not answered with the API's 423."""
    from tenants.models import HeatingCompany

    HeatingCompany.objects.filter(slug=alpha.slug).update(status=HeatingCompany.Status.SUSPENDED)
    response = client.get("/console", HTTP_HOST=alpha.host, follow=True)
    assert response.status_code == 200
    assert _bootstrap(response)["tenant"]["status"] == "SUSPENDED"
    assert client.get("/consoles", HTTP_HOST=alpha.host).status_code == 423
