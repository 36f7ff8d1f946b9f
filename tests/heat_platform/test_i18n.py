"""Chinese by default, English on request; the English catalog is complete
and its compiled .mo matches the .po."""

import gettext
import re
from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _unquote(block: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', block)
    return "".join(parts).replace('\\"', '"').replace("\\n", "\n")


def _po_entries() -> dict[str, str]:
    """msgid -> msgstr for every entry, joining wrapped (multi-line) strings."""
    entries = {}
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        m = re.search(r'^msgid ((?:".*"\n?)+)msgstr ((?:".*"\n?)+)', block, re.M)
        if m and _unquote(m.group(1)):
            entries[_unquote(m.group(1))] = _unquote(m.group(2))
    return entries


def test_english_catalog_is_complete_and_compiled():
    entries = _po_entries()
    assert entries, "no entries parsed"
    untranslated = [k for k, v in entries.items() if not v]
    assert not untranslated, f"untranslated: {untranslated}"
    with PO.with_suffix(".mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = [k for k, v in entries.items() if compiled.gettext(k) != v]
    assert not stale, f"django.mo is stale (run compilemessages): {stale}"


def test_default_language_is_chinese_and_english_on_request(client, db):
    zh = client.get("/graphql/", HTTP_HOST="nope.localhost").json()["error"]["message"]
    en = client.get("/graphql/", HTTP_HOST="nope.localhost", HTTP_ACCEPT_LANGUAGE="en").json()["error"]["message"]
    assert zh == "没有与此域名对应的供热公司。"
    assert en == "No heating company is served at this domain."


def test_graphql_errors_follow_the_language(gql, client, alpha):
    query = '{ me { username } }'
    assert gql(alpha.host, query)["errors"][0]["message"] == "请先登录。"
    resp = client.post("/graphql/", data='{"query": "{ me { username } }"}', content_type="application/json",
                       HTTP_HOST=alpha.host, HTTP_ACCEPT_LANGUAGE="en")
    assert resp.json()["errors"][0]["message"] == "Please log in first."


def _source_msgids() -> dict[str, str]:
    """Every literal passed to _()/gettext()/gettext_lazy() in our code, with where it is."""
    import ast

    found: dict[str, str] = {}
    root = Path(settings.BASE_DIR)
    for package in ("apps", "tenants", "heat_platform", "graphql_api"):
        for path in (root / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                        and node.func.id in ("_", "gettext", "gettext_lazy") and node.args
                        and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                    found.setdefault(node.args[0].value, f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_every_ui_string_in_the_code_has_an_english_translation():
    """Catches strings added without `makemessages -l en` + a translation."""
    catalog = _po_entries()
    missing = {msg: where for msg, where in _source_msgids().items() if not catalog.get(msg)}
    assert not missing, f"untranslated (run makemessages -l en, translate, compilemessages): {missing}"
