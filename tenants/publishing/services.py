"""Publishing writes: component tickets, companies' authorizations, and the
`MiniProgramRelease` state machine with the roll-out across companies.

    built ─commit→ committed ─submit_audit→ in_review ─passed→ approved ─release→ released
                                                        ├─rejected→ rejected (reason)
    any step ─error→ failed (code, errcode, message)
    failed / rejected ─re-run→ built

Every transition is a compare-and-set on `status` and writes an audit row in
the company's schema. WeChat is called outside any transaction; a crash
between a call and its transition is healed by re-running (a commit is
repeatable; a second submit answers 85009, and we adopt the review already
running for the same version).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from apps.audit.services import audit_record

from ..directory import company_context, public_atomic
from ..miniprogram_build import build_input, commit_ext_json
from ..miniprogram_errors import TRANSIENT_PUBLISH_ERRORS, PublishErrorCode
from ..models import (
    HeatingCompany,
    MiniProgramAccount,
    MiniProgramAuthorization,
    MiniProgramRelease,
    WxOpenComponentTicket,
)
from . import ALREADY_RELEASED, AuditStatus, PublishError
from .client import WxOpenClient

logger = logging.getLogger(__name__)

S = MiniProgramRelease.Status
TRANSITIONS: dict[str, frozenset[str]] = {
    S.BUILT: frozenset({S.COMMITTED, S.FAILED}),
    S.COMMITTED: frozenset({S.IN_REVIEW, S.FAILED}),
    S.IN_REVIEW: frozenset({S.APPROVED, S.REJECTED, S.FAILED}),
    S.APPROVED: frozenset({S.RELEASED, S.FAILED}),
    S.FAILED: frozenset({S.BUILT}),
    S.REJECTED: frozenset({S.BUILT}),
    S.RELEASED: frozenset(),
}
PENDING = (S.IN_REVIEW, S.APPROVED)  # waiting on WeChat's review or on our release call
TICKET_TTL = timedelta(hours=12)  # WeChat: a component_verify_ticket is valid for 12 hours


# --- component ticket and client


@public_atomic()
def ticket_store(*, component_appid: str, ticket: str) -> None:
    WxOpenComponentTicket.objects.update_or_create(
        component_appid=component_appid, defaults={"ticket": ticket, "received_at": timezone.now()})


def component_ticket() -> str:
    """The latest pushed ticket while fresh, else WECHAT_OPEN_COMPONENT_VERIFY_TICKET (sandbox/dev)."""
    row = WxOpenComponentTicket.objects.filter(component_appid=settings.WECHAT_OPEN_COMPONENT_APPID).first()
    if row is not None and row.received_at > timezone.now() - TICKET_TTL:
        return row.ticket
    return settings.WECHAT_OPEN_COMPONENT_VERIFY_TICKET or (row.ticket if row else "")


def _refresh_token_rotated(appid: str, refresh_token: str) -> None:
    MiniProgramAuthorization.objects.filter(authorizer_appid=appid).update(
        authorizer_refresh_token=refresh_token, updated_at=timezone.now())


def publishing_client() -> WxOpenClient:
    return WxOpenClient.from_settings(ticket=component_ticket, on_refresh_token=_refresh_token_rotated)


# --- authorizations


def _audit(tenant: HeatingCompany, *, action: str, target=None, actor=None, **detail) -> None:
    with company_context(tenant):  # the company's audit log, on its cluster
        audit_record(actor=actor, action=action, target=target, **detail)


def authorization_complete(*, tenant: HeatingCompany, authorization_code: str, client: WxOpenClient | None = None,
                           actor=None) -> MiniProgramAuthorization:
    """The company's admin authorized the platform: exchange the authorization
    code and keep the (encrypted) refresh token. The authorized mini-program
    must be the company's own AppID."""
    account = MiniProgramAccount.objects.filter(tenant=tenant).first()
    if account is None or not account.app_id:
        raise PublishError(PublishErrorCode.APP_ID_MISMATCH, errmsg="the company has no mini-program AppID yet")
    auth = (client or publishing_client()).query_auth(authorization_code=authorization_code)
    if auth.authorizer_appid != account.app_id:
        raise PublishError(PublishErrorCode.APP_ID_MISMATCH,
                           errmsg=f"authorized {auth.authorizer_appid}, the company's AppID is {account.app_id}")
    return _authorization_save(tenant=tenant, appid=auth.authorizer_appid, refresh_token=auth.refresh_token,
                               func_info=auth.func_info, actor=actor)


def _authorization_save(*, tenant, appid: str, refresh_token: str, func_info: list[int],
                        actor=None) -> MiniProgramAuthorization:
    with public_atomic():
        row, _created = MiniProgramAuthorization.objects.update_or_create(tenant=tenant, defaults={
            "authorizer_appid": appid, "authorizer_refresh_token": refresh_token, "func_info": func_info,
            "authorized_at": timezone.now()})
    _audit(tenant, action="miniprogram.authorize", actor=actor, authorizer_appid=appid, func_info=func_info)
    return row


def authorization_revoke(*, authorizer_appid: str) -> int:
    """WeChat told us ("unauthorized") that a mini-program withdrew its authorization."""
    rows = list(MiniProgramAuthorization.objects.filter(authorizer_appid=authorizer_appid).select_related("tenant"))
    for row in rows:
        row.delete()
        _audit(row.tenant, action="miniprogram.unauthorize", authorizer_appid=authorizer_appid)
    return len(rows)


def authorization_sandbox_seed(*, tenant: HeatingCompany) -> bool:
    """Dev/demo only: authorize the company's mini-program on the fake Open Platform."""
    from .sandbox import sandbox_enabled, sandbox_refresh_token

    account = MiniProgramAccount.objects.filter(tenant=tenant).first()
    if not sandbox_enabled() or account is None or MiniProgramAuthorization.objects.filter(tenant=tenant).exists():
        return False
    _authorization_save(tenant=tenant, appid=account.app_id, refresh_token=sandbox_refresh_token(account.app_id),
                        func_info=[17, 18, 25])
    return True


# --- the release state machine


class InvalidTransitionError(Exception):
    pass


def release_transition(release: MiniProgramRelease, *, to: str, actor=None, **changes) -> MiniProgramRelease:
    """Compare-and-set `status` from what `release` says it is now; CONFLICT when
    someone else moved it first. Writes the audit row."""
    if to not in TRANSITIONS[release.status]:
        raise InvalidTransitionError(f"{release.status} → {to}")
    now = timezone.now()
    with public_atomic():
        moved = MiniProgramRelease.objects.filter(pk=release.pk, status=release.status).update(
            status=to, updated_at=now, **changes)
        if moved != 1:
            raise PublishError(PublishErrorCode.CONFLICT, errmsg=f"release {release.pk} is no longer {release.status}")
        old = release.status
        release.status, release.updated_at = to, now
        for name, value in changes.items():
            setattr(release, name, value)
        detail = {"from_status": old, "template_id": release.template_id, "user_version": release.user_version}
        if to in (S.FAILED, S.REJECTED):
            detail.update(error_code=release.error_code, errcode=release.errcode, reason=release.reason[:200])
        _audit(release.tenant, action=f"miniprogram.release.{to}", target=release, actor=actor, **detail)
    return release


def _fail(release: MiniProgramRelease, error: PublishError) -> MiniProgramRelease:
    try:
        return release_transition(release, to=S.FAILED, error_code=error.code.value, errcode=error.errcode,
                                  error_message=error.errmsg[:255])
    except PublishError:  # moved meanwhile: the other writer's state stands
        logger.warning("release %s moved while recording a failure", release.pk)
        return release


def _credentials(release: MiniProgramRelease) -> tuple[str, str]:
    auth = MiniProgramAuthorization.objects.filter(tenant_id=release.tenant_id).first()
    if auth is None:
        raise PublishError(PublishErrorCode.NOT_AUTHORIZED, errmsg="the mini-program has not authorized the platform")
    if auth.authorizer_appid != release.app_id:
        raise PublishError(PublishErrorCode.APP_ID_MISMATCH,
                           errmsg=f"authorized {auth.authorizer_appid}, release is for {release.app_id}")
    return auth.authorizer_appid, auth.authorizer_refresh_token


def _release_input(tenant: HeatingCompany) -> tuple[str, str]:
    """(AppID, ext_json) from the current branding; PublishError when it cannot be built."""
    try:
        inp = build_input(tenant=tenant, with_logo=False)
        return inp.app_id, commit_ext_json(inp)
    except ValidationError as exc:
        groups = exc.error_dict.values() if hasattr(exc, "error_dict") else [exc.error_list]
        codes = {e.code for group in groups for e in group}
        code = (PublishErrorCode.BRANDING_INCOMPLETE if "BRANDING_INCOMPLETE" in codes
                else PublishErrorCode.NOT_CONFIGURED)
        raise PublishError(code, errmsg=" ".join(dict.fromkeys(exc.messages))) from None


def release_prepare(*, tenant: HeatingCompany, template_id: int, user_version: str, user_desc: str = "",
                    retry_rejected: bool = False) -> MiniProgramRelease:
    """This company's release of `template_id`: the existing one as it stands
    (released, under review, …), a failed one (or rejected, when asked) reset
    to `built` with the current branding, or a new one. Branding that cannot be
    built gives a `failed` release (visible to the company) and a PublishError."""
    release = MiniProgramRelease.objects.filter(tenant=tenant, template_id=template_id).first()
    retry = (S.FAILED, S.REJECTED) if retry_rejected else (S.FAILED,)
    if release is not None and release.status not in (*retry, S.BUILT):
        return release
    try:
        app_id, ext_json = _release_input(tenant)
    except PublishError as exc:
        if release is None:
            release = MiniProgramRelease.objects.create(
                tenant=tenant, template_id=template_id, user_version=user_version, user_desc=user_desc,
                status=S.FAILED, app_id="", ext_json="", error_code=exc.code.value, error_message=exc.errmsg[:255])
            _audit(tenant, action="miniprogram.release.failed", target=release, template_id=template_id,
                   user_version=user_version, error_code=exc.code.value)
        elif release.status == S.BUILT:
            _fail(release, exc)
        else:  # still failed (or rejected): say why this attempt did not start
            MiniProgramRelease.objects.filter(pk=release.pk, status=release.status).update(
                error_code=exc.code.value, errcode=None, error_message=exc.errmsg[:255], updated_at=timezone.now())
        raise
    values = {"app_id": app_id, "ext_json": ext_json, "user_version": user_version, "user_desc": user_desc}
    if release is None:
        release = MiniProgramRelease.objects.create(tenant=tenant, template_id=template_id, status=S.BUILT, **values)
        _audit(tenant, action="miniprogram.release.built", target=release, template_id=template_id,
               user_version=user_version)
        return release
    if release.status == S.BUILT:
        MiniProgramRelease.objects.filter(pk=release.pk, status=S.BUILT).update(updated_at=timezone.now(), **values)
        for name, value in values.items():
            setattr(release, name, value)
        return release
    return release_transition(release, to=S.BUILT, attempts=release.attempts + 1, audit_id=None, reason="",
                              error_code="", errcode=None, error_message="", **values)


def release_commit(release: MiniProgramRelease, *, client: WxOpenClient) -> MiniProgramRelease:
    """built → committed: upload the template with this company's ext_json (a 体验版)."""
    try:
        appid, refresh = _credentials(release)
        client.commit(appid=appid, refresh_token=refresh, template_id=release.template_id,
                      ext_json=release.ext_json, user_version=release.user_version, user_desc=release.user_desc)
    except PublishError as exc:
        _fail(release, exc)
        raise
    return release_transition(release, to=S.COMMITTED, committed_at=timezone.now())


def release_submit(release: MiniProgramRelease, *, client: WxOpenClient) -> MiniProgramRelease:
    """committed → in_review. If WeChat says a review is already running (85009)
    for this very version (we crashed after submitting), adopt that review."""
    try:
        appid, refresh = _credentials(release)
        try:
            auditid = client.submit_audit(appid=appid, refresh_token=refresh)
        except PublishError as exc:
            if exc.code != PublishErrorCode.AUDIT_IN_PROGRESS:
                raise
            latest = client.get_latest_auditstatus(appid=appid, refresh_token=refresh)
            if latest.auditid is None or latest.user_version != release.user_version \
                    or latest.status not in (AuditStatus.IN_REVIEW, AuditStatus.DELAYED, AuditStatus.PASSED):
                raise exc from None
            auditid = latest.auditid
    except PublishError as exc:
        _fail(release, exc)
        raise
    return release_transition(release, to=S.IN_REVIEW, audit_id=auditid, submitted_at=timezone.now())


def release_poll(release: MiniProgramRelease, *, client: WxOpenClient) -> MiniProgramRelease:
    """in_review → approved / rejected / failed (withdrawn), then approved →
    released. Still in review (or delayed): unchanged. Transient errors (busy,
    rate-limited) leave the release as it is for the next poll."""
    try:
        appid, refresh = _credentials(release)
        if release.status == S.IN_REVIEW:
            audit = client.get_auditstatus(appid=appid, refresh_token=refresh, auditid=release.audit_id)
            if audit.status == AuditStatus.PASSED:
                release = release_transition(release, to=S.APPROVED, reason="")
            elif audit.status == AuditStatus.REJECTED:
                return release_transition(release, to=S.REJECTED, reason=audit.reason or "审核未通过",
                                          error_code="", error_message="")
            elif audit.status == AuditStatus.WITHDRAWN:
                raise PublishError(PublishErrorCode.AUDIT_WITHDRAWN, errmsg="the review was withdrawn")
            else:  # in review, or delayed (with a reason)
                if audit.reason != release.reason:
                    MiniProgramRelease.objects.filter(pk=release.pk, status=S.IN_REVIEW).update(
                        reason=audit.reason, updated_at=timezone.now())
                    release.reason = audit.reason
                return release
        if release.status == S.APPROVED:
            try:
                client.release(appid=appid, refresh_token=refresh)
            except PublishError as exc:
                if exc.errcode != ALREADY_RELEASED:
                    raise
            release = release_transition(release, to=S.RELEASED, released_at=timezone.now())
    except PublishError as exc:
        if exc.code in TRANSIENT_PUBLISH_ERRORS:
            raise
        _fail(release, exc)
        raise
    return release


# --- across companies


@dataclass(frozen=True)
class CompanyOutcome:
    slug: str
    status: str  # a release status, or "skipped"
    code: str = ""
    message: str = ""


@dataclass
class RolloutReport:
    outcomes: list[CompanyOutcome] = field(default_factory=list)

    def _with(self, *statuses: str) -> list[CompanyOutcome]:
        return [o for o in self.outcomes if o.status in statuses]

    @property
    def released(self) -> list[CompanyOutcome]:
        return self._with(S.RELEASED)

    @property
    def waiting(self) -> list[CompanyOutcome]:
        return self._with(S.COMMITTED, S.IN_REVIEW, S.APPROVED)

    @property
    def rejected(self) -> list[CompanyOutcome]:
        return self._with(S.REJECTED)

    @property
    def failed(self) -> list[CompanyOutcome]:
        return self._with(S.FAILED, S.BUILT)

    @property
    def skipped(self) -> list[CompanyOutcome]:
        return self._with("skipped")


Progress = Callable[[int, int, CompanyOutcome], None]


def _outcome(slug: str, release: MiniProgramRelease) -> CompanyOutcome:
    return CompanyOutcome(slug=slug, status=release.status, code=release.error_code,
                          message=release.reason if release.status == S.REJECTED else release.error_message)


def _rollout_one(company: HeatingCompany, *, template_id: int, user_version: str, user_desc: str,
                 retry_rejected: bool, poll: bool, client: WxOpenClient) -> CompanyOutcome:
    existing = MiniProgramRelease.objects.filter(tenant=company, template_id=template_id).first()
    if existing is not None and existing.status == S.RELEASED:
        return CompanyOutcome(company.slug, "skipped", message=f"已发布 {existing.user_version}")
    release = release_prepare(tenant=company, template_id=template_id, user_version=user_version,
                              user_desc=user_desc, retry_rejected=retry_rejected)
    if release.status == S.BUILT:
        release = release_commit(release, client=client)
    if release.status == S.COMMITTED:
        release = release_submit(release, client=client)
    if poll and release.status in PENDING:
        release = release_poll(release, client=client)
    return _outcome(company.slug, release)


def _safely(slug: str, step: Callable[[], CompanyOutcome]) -> CompanyOutcome:
    try:
        return step()
    except PublishError as exc:
        return CompanyOutcome(slug, S.FAILED, code=exc.code.value, message=exc.errmsg)
    except Exception as exc:  # one company's surprise must not stop the others
        logger.exception("mini-program publishing failed unexpectedly for %s", slug)
        return CompanyOutcome(slug, S.FAILED, code=PublishErrorCode.INTERNAL.value, message=type(exc).__name__)


def release_rollout(*, template_id: int, user_version: str, user_desc: str = "", slugs: list[str] | None = None,
                    retry_rejected: bool = False, poll: bool = True, client: WxOpenClient | None = None,
                    on_progress: Progress | None = None) -> RolloutReport:
    """Commit `template_id` to every active company whose mini-program authorized
    the platform (or the given slugs), submit it for review and, with `poll`,
    release what already passed. Continues past failures; re-running skips
    companies already released at this template and resumes the others."""
    if template_id <= 0 or not 0 < len(user_version) <= 64 or len(user_desc) > 200:
        raise ValueError("template_id must be positive, user_version 1–64 characters, user_desc ≤ 200")
    client = client or publishing_client()
    companies = list(HeatingCompany.objects.exclude(schema_name=get_public_schema_name())
                     .filter(status=HeatingCompany.Status.ACTIVE).order_by("slug"))
    report = RolloutReport()
    if slugs is not None:
        wanted = set(slugs)
        report.outcomes += [CompanyOutcome(s, S.FAILED, code="NOT_FOUND", message="no such active company")
                            for s in sorted(wanted - {c.slug for c in companies})]
        companies = [c for c in companies if c.slug in wanted]
    authorized = set(MiniProgramAuthorization.objects.filter(tenant__in=companies).values_list("tenant_id", flat=True))
    total = len(companies)
    for i, company in enumerate(companies, 1):
        if company.pk not in authorized:
            outcome = CompanyOutcome(company.slug, "skipped", message="小程序未授权第三方平台")
        else:
            outcome = _safely(company.slug, lambda c=company: _rollout_one(
                c, template_id=template_id, user_version=user_version, user_desc=user_desc,
                retry_rejected=retry_rejected, poll=poll, client=client))
        report.outcomes.append(outcome)
        if on_progress is not None:
            on_progress(i, total, outcome)
    return report


def releases_poll(*, template_id: int | None = None, client: WxOpenClient | None = None,
                  on_progress: Progress | None = None) -> RolloutReport:
    """Ask WeChat about every release under review (or approved, not yet
    released) and release the ones that passed. The Celery beat task's body."""
    client = client or publishing_client()
    pending = MiniProgramRelease.objects.filter(status__in=PENDING).select_related("tenant").order_by("tenant__slug")
    if template_id is not None:
        pending = pending.filter(template_id=template_id)
    pending = list(pending)
    report = RolloutReport()
    for i, release in enumerate(pending, 1):
        slug = release.tenant.slug
        outcome = _safely(slug, lambda r=release, s=slug: _outcome(s, release_poll(r, client=client)))
        report.outcomes.append(outcome)
        if on_progress is not None:
            on_progress(i, len(pending), outcome)
    return report
