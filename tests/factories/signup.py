"""Self-onboarding through the API on the platform domain: an SMS code from
the sandbox provider's outbox, then registerTenant with it."""

from __future__ import annotations

from apps.residents.sms.sandbox import outbox, outbox_clear

REGISTER = """mutation($input: RegisterTenantInput!) {
  registerTenant(input: $input) { status signupToken tenant { slug domain status } errors { field message code } }
}"""
REQUEST_CODE = """mutation($p: String!) {
  requestSignupCode(phone: $p) { phoneMasked expiresIn resendIn errors { field message code } }
}"""
STATUS = "query($t: String!) { signupStatus(token: $t) { status tenant { slug domain status } } }"
PHONE = "13912345678"


def signup_input(**over) -> dict:
    """registerTenant's input for 河北热力 (slug hebei-heat, admin boss), with `over` applied, no SMS code."""
    base = {"companyName": "河北热力", "slug": "hebei-heat", "contactName": "李四", "contactPhone": PHONE,
            "adminUsername": "boss", "adminPassword": "Warm-winter-2026", "smsCode": ""}
    return {**base, **over}


def request_code(gql, phone: str = PHONE, ip: str = "10.0.0.1") -> str:
    """requestSignupCode through the API; the sandbox SMS provider's outbox holds the text."""
    outbox_clear()
    result = gql("localhost", REQUEST_CODE, {"p": phone}, ip=ip)["data"]["requestSignupCode"]
    assert result["errors"] == [], result
    (sms,) = outbox()
    assert sms.phone == phone
    return sms.params["code"]


def register(gql, ip: str = "10.0.0.1", **over) -> dict:
    """registerTenant with a fresh code for the input's phone (unless smsCode is given)."""
    data = signup_input(**over)
    if not data["smsCode"]:
        data["smsCode"] = request_code(gql, data["contactPhone"], ip=ip)
    return gql("localhost", REGISTER, {"input": data}, ip=ip)["data"]["registerTenant"]
