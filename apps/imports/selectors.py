from __future__ import annotations

import uuid
from collections.abc import Iterator

from django.db.models import Q, QuerySet

from apps.properties.models import House

from .models import ExportJob, ImportJob, ImportUpload

EXPORT_FIELDS = ("account_no", "community__name", "building__name", "unit__name", "room", "building_area",
                 "usable_area", "category", "low_income", "meter_no", "heating_status", "owner_name", "owner_phone",
                 "owner_id_no")


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def import_job_get(*, job_id) -> ImportJob | None:
    """A job of the current company; None for unknown or malformed ids (a
    job of another company is simply not in this schema)."""
    pk = _uuid(job_id)
    return ImportJob.objects.filter(pk=pk).first() if pk else None


def import_job_list(*, active: bool | None = None) -> QuerySet[ImportJob]:
    """Import jobs, newest first; `active`: only queued and running ones (or only finished ones)."""
    qs = ImportJob.objects.all()
    running = Q(status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING])
    if active is True:
        qs = qs.filter(running)
    elif active is False:
        qs = qs.exclude(running)
    return qs.order_by("-created_at", "-id")


def upload_get(*, upload_id) -> ImportUpload | None:
    pk = _uuid(upload_id)
    return ImportUpload.objects.filter(pk=pk).first() if pk else None


def house_export_rows(*, chunk_size: int = 2000) -> Iterator[tuple]:
    """Every house in template column order (names instead of ids, phone and
    ID numbers decrypted), streamed from a server-side cursor in one query."""
    return (House.objects.order_by("account_no").values_list(*EXPORT_FIELDS)
            .iterator(chunk_size=chunk_size))


def access_export_job(*, user, job_id) -> ExportJob | None:
    """The user's own export job; None for another person's, another company's and unknown ids alike
    (an export holds what its requester's role may see)."""
    pk = _uuid(job_id)
    return ExportJob.objects.filter(pk=pk, requested_by=user).first() if pk else None


def export_job_list(*, user, active: bool | None = None) -> QuerySet[ExportJob]:
    """The user's own exports, newest first; `active`: queued and running only (or only the others)."""
    qs = ExportJob.objects.filter(requested_by=user)
    running = Q(status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING])
    if active is True:
        qs = qs.filter(running)
    elif active is False:
        qs = qs.exclude(running)
    return qs.order_by("-created_at")
