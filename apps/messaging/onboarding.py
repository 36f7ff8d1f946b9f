"""A new company starts with messaging ready to use: the default message templates (neutral wording, WeChat
keyword mappings, SMS texts awaiting approval) and the default knowledge base (FAQ), which staff then edit.

Seeded by a task queued after the onboarding transaction commits, in the new company's schema, so sign-up
latency does not grow with the FAQ and a failure here never rolls a sign-up back (the task can simply run again:
both seeds add only what is missing)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.dispatch import receiver

from heat_platform.kernel.tasks import enqueue_on_commit
from tenants.signals import tenant_provisioned

logger = logging.getLogger(__name__)


@shared_task(name="messaging.seed_company_defaults")
def seed_company_defaults() -> int:
    """Templates and knowledge base of the current company (the task runs in its schema); returns articles added."""
    from .kb import kb_seed_defaults
    from .templates import ensure_default_templates

    ensure_default_templates()
    return kb_seed_defaults()


@receiver(tenant_provisioned, dispatch_uid="messaging.company_defaults")
def _company_defaults(sender, tenant, **kwargs) -> None:
    enqueue_on_commit(seed_company_defaults)
