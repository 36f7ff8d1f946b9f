"""The Django admin's login form (both admin sites, heat_platform/admin.py):
the same throttled password check as staffLogin/operatorLogin
(services.user_authenticate), with the client IP resolved like the API's."""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from heat_platform.kernel.actors import client_ip

from .errors import AccountErrorCode
from .services import user_authenticate


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    @sensitive_variables("password")
    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = user_authenticate(username=username, password=password,
                                                    ip=client_ip(self.request), request=self.request)
            except ValidationError as exc:
                if exc.code == AccountErrorCode.TOO_MANY_ATTEMPTS:
                    raise ValidationError(exc.messages[0], code="too_many_attempts") from exc
                raise self.get_invalid_login_error() from exc
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
