"""The sandboxes' test/demo knobs: JSON object in, JSON out, POST only, no signature (dev/test only)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt


def json_knob(*, refusals: tuple[type[Exception], ...],
              answer: Callable[[Exception], tuple[dict, int]]) -> Callable[[Callable], Callable]:
    """Wrap `handler(data: dict) -> dict`; `refusals` raised by it become `answer(exc)` = (body, status)."""

    def decorator(handler: Callable) -> Callable:
        @csrf_exempt
        @wraps(handler)
        def view(request: HttpRequest) -> JsonResponse:
            if request.method != "POST":
                return JsonResponse({"code": "METHOD_NOT_ALLOWED", "message": "请使用POST"}, status=405)
            try:
                data = json.loads(request.body or b"{}")
                if not isinstance(data, dict):
                    raise ValueError
            except ValueError:
                return JsonResponse({"code": "PARAM_ERROR", "message": "请求体应为JSON对象"}, status=400)
            try:
                return JsonResponse(handler(data))
            except refusals as exc:
                body, status = answer(exc)
                return JsonResponse(body, status=status)
            finally:
                connection.set_schema_to_public()  # the gateways are one public service

        return view

    return decorator
