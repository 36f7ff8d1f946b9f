"""Platform (public-schema) models: heating companies, their domains and the
pool of ready-made schemas that makes onboarding a rename."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from heat_platform.crypto import EncryptedTextField


class HeatingCompany(TenantMixin):
    class Status(models.TextChoices):
        ACTIVE = "active", _("正常")
        SUSPENDED = "suspended", _("已暂停")
        CLOSED = "closed", _("已关闭")

    name = models.CharField(_("公司名称"), max_length=100)
    slug = models.SlugField(_("标识"), max_length=30, unique=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = EncryptedTextField(_("联系电话"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    suspended_at = models.DateTimeField(_("暂停时间"), null=True, blank=True)
    # Closed: blocked like a suspended company; its schema and media are dropped
    # TENANT_RETENTION_DAYS later by the `tenants.purge_closed_tenants` beat task (tenants/lifecycle.py).
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    # Digest of the tenant migrations applied to this schema (tenants.spares.code_migration_state's form):
    # `migrate_schemas` skips a company whose state equals the code's without opening its schema.
    migration_state = models.CharField(max_length=64, blank=True, default="")
    # The tenant directory (deploy/SCALING.md): the DATABASES alias of the cluster holding this company's schema.
    cluster = models.CharField(max_length=63, default="default")

    # Schemas are never created by save(): onboarding claims a pre-migrated spare
    # (tenants/spares.py), which is what keeps sign-up fast.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        verbose_name = _("供热公司")
        verbose_name_plural = _("供热公司")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"

    @property
    def is_platform(self) -> bool:
        return self.schema_name == "public"


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("域名")
        verbose_name_plural = _("域名")


class SpareSchema(models.Model):
    """A fully migrated, empty tenant schema waiting to be renamed into place.

    `migration_state` is a digest of the tenant apps' applied migrations; a spare
    is only claimed when it equals the running code's digest, so a spare made
    before a deploy is never handed out with missing tables."""

    schema_name = models.CharField(max_length=63, unique=True)
    migration_state = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.schema_name


class MiniProgramAccount(models.Model):
    """The company's own WeChat mini-program (AppID + secret), used for resident
    login and, later, branded builds. Public schema: publishing tools iterate it."""

    tenant = models.OneToOneField(HeatingCompany, on_delete=models.CASCADE, related_name="miniprogram")
    app_id = models.CharField(max_length=18, unique=True)
    app_secret = EncryptedTextField(blank=True)  # write-only in every API
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.app_id


class MerchantAccount(models.Model):
    """Where one company's online payments go: its own WeChat Pay merchant
    (`direct`), a sub-merchant of the platform's service-provider account
    (`partner`), its own Alipay app (`direct`) or an app authorized to the
    platform's ISV app (`isv`). Public schema so a notify can be routed and
    operators can see who is configured; every query filters by tenant.

    Secrets (private keys, APIv3 key, app_auth_token) are encrypted at rest and
    write-only in every API; they never reach a log or a response."""

    class Channel(models.TextChoices):
        WECHAT = "wechat", _("微信支付")
        ALIPAY = "alipay", _("支付宝")

    class Mode(models.TextChoices):
        DIRECT = "direct", _("直连商户")
        PARTNER = "partner", _("服务商子商户")  # WeChat Pay service-provider mode
        ISV = "isv", _("第三方应用授权")  # Alipay ISV mode (app_auth_token)

    tenant = models.ForeignKey(HeatingCompany, on_delete=models.CASCADE, related_name="merchant_accounts")
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    mode = models.CharField(_("接入模式"), max_length=8, choices=Mode.choices, default=Mode.DIRECT)
    is_active = models.BooleanField(_("启用"), default=True)

    # WeChat Pay, direct mode: the company's own merchant.
    mchid = models.CharField(_("商户号"), max_length=32, blank=True)
    appid = models.CharField(_("AppID"), max_length=32, blank=True)  # the mini-program paying
    merchant_serial_no = models.CharField(_("商户证书序列号"), max_length=64, blank=True)
    merchant_private_key = EncryptedTextField(blank=True)  # PEM, apiclient_key.pem
    apiv3_key = EncryptedTextField(blank=True)  # 32 bytes
    wechatpay_public_key_id = models.CharField(_("微信支付公钥ID"), max_length=64, blank=True)  # PUB_KEY_ID_…
    wechatpay_public_key = models.TextField(_("微信支付公钥"), blank=True)  # PEM, not secret
    # Legacy platform certificates: [{"serial_no", "pem", "expire_time"}], refreshed by a beat job,
    # never fetched while handling a request.
    platform_certificates = models.JSONField(default=list, blank=True)
    # WeChat Pay, partner mode: the platform's sp_mchid/sp_appid come from ServiceProviderAccount.
    sub_mchid = models.CharField(_("子商户号"), max_length=32, blank=True)
    sub_appid = models.CharField(_("子商户AppID"), max_length=32, blank=True)

    # Alipay.
    alipay_app_id = models.CharField(_("支付宝应用ID"), max_length=32, blank=True)
    alipay_app_private_key = EncryptedTextField(blank=True)  # direct mode: the company's app key
    alipay_public_key = models.TextField(_("支付宝公钥"), blank=True)
    alipay_seller_id = models.CharField(_("支付宝商户PID"), max_length=32, blank=True)  # 2088…
    alipay_app_auth_token = EncryptedTextField(blank=True)  # ISV mode
    alipay_app_auth_expires_at = models.DateTimeField(null=True, blank=True)
    # The channel's fee rate (WeChat Pay / Alipay 费率 as signed, 0.0060 = 0.60%): reconciliation expects
    # fee = round-half-up(amount × rate) in fen on every bill row.
    fee_rate = models.DecimalField(_("费率"), max_digits=6, decimal_places=4, default=Decimal("0.0060"))

    last_test_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True, blank=True)
    last_test_message = models.CharField(max_length=255, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "channel"], name="one_merchant_account_per_channel"),
        ]
        verbose_name = _("收款商户")
        verbose_name_plural = _("收款商户")

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.channel}/{self.mode}"


class ServiceProviderAccount(models.Model):
    """The platform's own WeChat Pay service-provider merchant (服务商) or Alipay
    ISV app, through which `partner`/`isv` tenants are paid. At most one per channel."""

    channel = models.CharField(max_length=8, choices=MerchantAccount.Channel.choices, unique=True)
    # WeChat Pay service provider.
    sp_mchid = models.CharField(max_length=32, blank=True)
    sp_appid = models.CharField(max_length=32, blank=True)
    merchant_serial_no = models.CharField(max_length=64, blank=True)
    merchant_private_key = EncryptedTextField(blank=True)
    apiv3_key = EncryptedTextField(blank=True)
    wechatpay_public_key_id = models.CharField(max_length=64, blank=True)
    wechatpay_public_key = models.TextField(blank=True)
    platform_certificates = models.JSONField(default=list, blank=True)
    # Alipay ISV app.
    alipay_app_id = models.CharField(max_length=32, blank=True)
    alipay_app_private_key = EncryptedTextField(blank=True)
    alipay_public_key = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("平台服务商账户")
        verbose_name_plural = _("平台服务商账户")

    def __str__(self) -> str:
        return f"service provider {self.channel}"


# --- The resident mini-program: branding, branded builds, third-party-platform publishing.
# Public schema, one company per row (every query filters by tenant): the roll-out
# command and the audit poller iterate companies without entering their schemas.


class MiniProgramBranding(models.Model):
    """How a company's mini-program looks. The AppID and secret stay on
    MiniProgramAccount; the logo file lives in the company's own media folder
    (default storage, per tenant) under a content-hashed name."""

    tenant = models.OneToOneField(HeatingCompany, on_delete=models.CASCADE, related_name="branding")
    display_name = models.CharField(_("小程序显示名称"), max_length=20, blank=True)
    theme_color = models.CharField(_("主题色"), max_length=7, blank=True)  # "#RRGGBB", upper case
    service_phone = models.CharField(_("客服电话"), max_length=20, blank=True)
    logo_name = models.CharField(max_length=120, blank=True)  # storage name, e.g. branding/logo-<sha16>.png
    logo_sha256 = models.CharField(max_length=64, blank=True)
    logo_width = models.PositiveIntegerField(null=True, blank=True)
    logo_height = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("小程序品牌")
        verbose_name_plural = _("小程序品牌")

    def __str__(self) -> str:
        return f"branding of {self.tenant_id}"


class MiniProgramBuild(models.Model):
    """One branded, ready-to-upload package (zip in the company's media folder).
    Builds are deterministic, so the same branding and template give the same
    sha256 and the same row."""

    tenant = models.ForeignKey(HeatingCompany, on_delete=models.CASCADE, related_name="miniprogram_builds")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    file_name = models.CharField(max_length=160)  # storage name
    app_id = models.CharField(max_length=18)
    api_base_url = models.CharField(max_length=200)
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "sha256"], name="one_build_per_content")]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"build {self.pk} of {self.tenant_id} ({self.sha256[:12]})"


class MiniProgramAuthorization(models.Model):
    """The company's mini-program has authorized the platform's WeChat
    third-party platform (开放平台第三方平台) to manage its code. The refresh
    token is what the platform keeps; it is a secret (encrypted, write-only)."""

    tenant = models.OneToOneField(HeatingCompany, on_delete=models.CASCADE, related_name="miniprogram_authorization")
    authorizer_appid = models.CharField(max_length=18)
    authorizer_refresh_token = EncryptedTextField()
    func_info = models.JSONField(default=list, blank=True)  # permission-set ids granted
    authorized_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.authorizer_appid} authorized by {self.tenant_id}"


class WxOpenComponentTicket(models.Model):
    """The latest component_verify_ticket WeChat pushed (every 10 minutes) to the
    platform's authorization-event callback; needed to get a component_access_token."""

    component_appid = models.CharField(max_length=18, unique=True)
    ticket = EncryptedTextField()
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"verify ticket of {self.component_appid}"


class MiniProgramRelease(models.Model):
    """One template version on its way into one company's mini-program:
    built → committed → in_review → approved → released, or rejected (with
    WeChat's reason) / failed (with the error). Every change is a
    compare-and-set on `status` (tenants/publishing/services.py)."""

    class Status(models.TextChoices):
        BUILT = "built", _("已生成")
        COMMITTED = "committed", _("已上传代码")
        IN_REVIEW = "in_review", _("审核中")
        APPROVED = "approved", _("审核通过，待发布")
        RELEASED = "released", _("已发布")
        REJECTED = "rejected", _("审核未通过")
        FAILED = "failed", _("失败")

    tenant = models.ForeignKey(HeatingCompany, on_delete=models.CASCADE, related_name="miniprogram_releases")
    template_id = models.PositiveBigIntegerField()
    user_version = models.CharField(max_length=64)
    user_desc = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BUILT)
    app_id = models.CharField(max_length=18)
    ext_json = models.TextField()  # exactly what was (or will be) committed
    audit_id = models.BigIntegerField(null=True, blank=True)
    reason = models.TextField(blank=True)  # WeChat's rejection / delay reason
    error_code = models.CharField(max_length=40, blank=True)
    errcode = models.IntegerField(null=True, blank=True)  # WeChat's own code, for operators
    error_message = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    committed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "template_id"], name="one_release_per_template")]
        indexes = [models.Index(fields=["status"])]
        ordering = ["-created_at", "-id"]
        verbose_name = _("小程序发布")
        verbose_name_plural = _("小程序发布")

    def __str__(self) -> str:
        return f"{self.tenant_id} template {self.template_id} ({self.user_version}) {self.status}"


# --- Self-onboarding: proof of the contact phone, and sign-ups waiting for a schema (tenants/signup.py).


class SignupCode(models.Model):
    """A 6-digit code texted to a would-be company's contact phone: registerTenant
    needs it, so every sign-up has a phone someone holds. Only a keyed hash of
    the code is stored (HMAC with a per-row salt) and the phone only as its
    blind index. At most one code per phone is LIVE; a new request replaces it."""

    class Status(models.TextChoices):
        LIVE = "live", _("有效")
        USED = "used", _("已使用")
        REPLACED = "replaced", _("已被新验证码取代")
        EXPIRED = "expired", _("已过期")
        LOCKED = "locked", _("错误次数过多")
        FAILED = "failed", _("发送失败")

    phone_index = models.CharField(max_length=64)
    code_hash = models.CharField(max_length=64)
    salt = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.LIVE)
    attempts = models.PositiveSmallIntegerField(default=0)
    request_ip = models.CharField(max_length=45, blank=True)
    provider = models.CharField(max_length=16)
    provider_message_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("注册验证码")
        verbose_name_plural = _("注册验证码")
        constraints = [
            models.UniqueConstraint(fields=["phone_index"], condition=models.Q(status="live"),
                                    name="tenants_signupcode_one_live_per_phone"),
        ]
        indexes = [models.Index(fields=["phone_index", "created_at"], name="tenants_signupcode_phone_idx")]

    def __str__(self) -> str:
        return f"signup-code#{self.pk} {self.status}"


class Signup(models.Model):
    """One accepted registerTenant. With a spare schema at hand the company is
    made at once (READY); otherwise the sign-up waits here (PROVISIONING) for a
    Celery worker to migrate a schema, holding its slug and the first admin's
    password *hash* (never the password), which is wiped once the admin exists.
    The client polls `signupStatus(token)`; only a hash of the token is stored."""

    class Status(models.TextChoices):
        PROVISIONING = "provisioning", _("开通中")
        READY = "ready", _("已开通")
        FAILED = "failed", _("开通失败")

    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROVISIONING)
    slug = models.SlugField(max_length=30)
    company_name = models.CharField(max_length=100, blank=True)
    contact_name = models.CharField(max_length=50, blank=True)
    contact_phone = EncryptedTextField(blank=True)
    admin_username = models.CharField(max_length=150, blank=True)
    admin_password_hash = models.CharField(max_length=256, blank=True)
    tenant = models.OneToOneField(HeatingCompany, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="signup")
    request_ip = models.CharField(max_length=45, blank=True)
    error = models.CharField(max_length=200, blank=True)  # for operators; the client sees FAILED only
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("自助注册")
        verbose_name_plural = _("自助注册")
        constraints = [
            # A slug waiting for its schema is taken (HeatingCompany.slug holds it afterwards).
            models.UniqueConstraint(fields=["slug"], condition=models.Q(status="provisioning"),
                                    name="tenants_signup_one_pending_per_slug"),
        ]
        indexes = [models.Index(fields=["status"], name="tenants_signup_status_idx")]

    def __str__(self) -> str:
        return f"signup {self.slug} {self.status}"
