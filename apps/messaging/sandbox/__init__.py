"""Fake WeChat server API (subscription messages) and the SMS sandbox's record, for dev and tests only.
Production removes this app (heat_platform/settings/production.py): nothing outside it imports its modules at
import time; `sandbox_register_app` below is safe to import anywhere (a no-op where the app is not installed)."""


def sandbox_register_app(appid: str, secret: str) -> bool:
    """Make the mini-program `appid` known to the fake WeChat with `secret` (the demo seed). False where the
    sandbox is not installed."""
    from django.apps import apps

    if not apps.is_installed("apps.messaging.sandbox"):
        return False
    from .services import sandbox_register_app as register

    register(appid, secret)
    return True
