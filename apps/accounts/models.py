"""One user table per schema: in `public` it holds platform operators, in a
company's schema its staff. A row is only ever visible in its own schema."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OPERATOR = "operator", _("平台运营")
    TENANT_ADMIN = "tenant_admin", _("管理员")
    COLLECTOR = "collector", _("收费员")
    TECHNICIAN = "technician", _("维修技术员")
    FINANCE = "finance", _("财务")


STAFF_ROLES = (Role.TENANT_ADMIN, Role.COLLECTOR, Role.TECHNICIAN, Role.FINANCE)

# A change to any of these revokes the user's tokens (see token_generation).
_REVOKING_FIELDS = ("password", "role", "is_active")


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    # Shown on receipts and in staff lists instead of the login name (e.g. "王会计").
    display_name = models.CharField(_("显示名称"), max_length=150, blank=True)
    # Part of every token's check digest (apps/accounts/tokens.py): bumped whenever the
    # password, the role or the active flag is saved, so earlier tokens stop working.
    token_generation = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        user._saved_auth = {f: getattr(user, f) for f in _REVOKING_FIELDS if f in user.__dict__}
        return user

    def save(self, *args, **kwargs):
        """Every save path (services, the Django admin, `set_password` + save, commands)
        bumps the token generation when it changes the password, the role or the active flag."""
        saved = getattr(self, "_saved_auth", None) or {}
        update_fields = kwargs.get("update_fields")
        if any(getattr(self, f) != v for f, v in saved.items() if update_fields is None or f in update_fields):
            self.token_generation += 1
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "token_generation"}
        super().save(*args, **kwargs)
        self._saved_auth = {f: getattr(self, f) for f in _REVOKING_FIELDS}

    @property
    def shown_name(self) -> str:
        return self.display_name or self.get_username()


class RevokedToken(models.Model):
    """A token signed out (logout) or replaced (refreshToken) before it expired.
    Checked on every request in the same query that loads the user
    (heat_platform/kernel/actors.py); rows past `expires_at` are useless and purged daily."""

    jti = models.CharField(max_length=32, primary_key=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"revoked token {self.jti[:8]}…"
