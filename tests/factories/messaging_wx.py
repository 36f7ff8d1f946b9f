"""Helpers for tests that talk to the fake WeChat subscription-message API (apps/messaging/sandbox): a company
with a mini-program registered at the sandbox, the sandbox's control knobs, and raw calls to its endpoints."""

from __future__ import annotations

import json

from django.db import connection
from django.test import Client

from apps.messaging.sandbox.services import sandbox_register_app, sandbox_template_ids
from apps.residents.providers.sandbox import sandbox_openid

APP_ID = "wx0123456789abcdef"  # alpha's (tests/factories/tenants.py ALPHA_APP_ID)
APP_SECRET = "alpha-mp-secret-5f1e2d3c4b5a69788796"
BETA_APP_ID = "wxfedcba9876543210"
BETA_SECRET = "beta-mp-secret-0a1b2c3d4e5f60718293"
OPENID = sandbox_openid(APP_ID, "zhang")  # what the sandbox login gives resident "zhang" in alpha
PAGE = "pages/order/order?id=12"
RECEIPT = "缴费成功通知"
RECEIPT_DATA = {"thing1": "幸福里3-2-501", "amount2": "¥2688.00", "time3": "2026-12-07 14:03",
                "character_string4": "P20261207000123"}


def mini_program(slug: str, app_id: str, secret: str, *, register: bool = True):
    """The company's MiniProgramAccount (public schema, rolled back with the test), known to the sandbox."""
    from tenants.models import HeatingCompany, MiniProgramAccount

    account = MiniProgramAccount.objects.create(tenant=HeatingCompany.objects.get(slug=slug), app_id=app_id,
                                                app_secret=secret)
    if register:
        sandbox_register_app(app_id, secret)
    return account


def template_id(title: str = RECEIPT, app_id: str = APP_ID) -> str:
    return sandbox_template_ids(app_id)[title]


def call(method: str, path: str, *, params: dict | None = None, body: dict | None = None) -> dict:
    """One request to the fake WeChat on the platform domain, in-process; returns its JSON."""
    client = Client(HTTP_HOST="localhost")
    url = f"/sandbox/wxapi/{path}"
    if method == "GET":
        resp = client.get(url, params or {})
    else:
        if params:
            from urllib.parse import urlencode

            url += "?" + urlencode(params)
        resp = client.post(url, data=json.dumps(body or {}, ensure_ascii=False), content_type="application/json")
    connection.set_schema_to_public()
    assert resp.status_code in (200, 400), resp.content
    return resp.json()


def knob(**knobs) -> dict:
    return call("POST", "_control", body=knobs)


def subscribe(app_id: str, openid: str, ids: list[str], result: str = "accept", **extra) -> dict:
    """What wx.requestSubscribeMessage does on the phone (the sandbox's client endpoint)."""
    return call("POST", "_client/subscribe", body={"appid": app_id, "openid": openid, "tmplIds": ids,
                                                   "result": result, **extra})


def wxopen_knob(**knobs) -> dict:
    """The fake Open Platform's control endpoint (tenants/publishing/sandbox.py)."""
    resp = Client(HTTP_HOST="localhost").post("/sandbox/wxopen/_control", data=json.dumps(knobs),
                                              content_type="application/json")
    connection.set_schema_to_public()
    assert resp.status_code == 200, resp.content
    return resp.json()
