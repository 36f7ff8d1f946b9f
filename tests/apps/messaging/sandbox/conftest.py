import pytest


@pytest.fixture(autouse=True)
def _empty_sandbox(db):
    """Live-server tests (the mini-program end-to-end ones) commit what the sandboxes received, and under
    pytest-xdist they may run earlier on the same worker: these tests count from an empty sandbox. Deleted inside
    the test's transaction, so the committed rows come back afterwards."""
    from apps.messaging.sandbox.models import SandboxSms, SandboxWxMessage, SandboxWxSubscription

    SandboxWxMessage.objects.all().delete()
    SandboxWxSubscription.objects.all().delete()
    SandboxSms.objects.all().delete()
