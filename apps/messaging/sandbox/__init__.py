"""Fake WeChat server API (subscription messages) and the SMS sandbox's record, for dev and tests only.
Production removes this app (heat_platform/settings/production.py)."""
