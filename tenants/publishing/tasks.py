from celery import shared_task

from .services import releases_poll


@shared_task(name="tenants.poll_miniprogram_audits")
def poll_miniprogram_audits() -> dict:
    """Beat, public schema: ask WeChat about releases under review and release the passed ones."""
    report = releases_poll()
    return {"released": len(report.released), "waiting": len(report.waiting), "rejected": len(report.rejected),
            "failed": len(report.failed)}
