"""What every WeChat server API answer (mini-program login, phone, Open
Platform) has in common: a JSON object whose `errcode` is 0 or absent on
success. Callers map failures to their own typed errors."""

from __future__ import annotations

import requests


class TokenRejectedError(Exception):
    """The access token used was not (or no longer) valid: refresh it and retry once."""

    def __init__(self, errcode: int):
        super().__init__(f"access token rejected (errcode={errcode})")
        self.errcode = errcode


def json_object(response: requests.Response) -> dict | None:
    """The answer's JSON object, or None when the body is not one."""
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def errcode_of(data: dict) -> tuple[int, str]:
    """(errcode, errmsg trimmed for logs); an unreadable errcode counts as an error (-2)."""
    try:
        errcode = int(data.get("errcode") or 0)
    except (TypeError, ValueError):
        errcode = -2
    return errcode, str(data.get("errmsg") or "")[:200]
