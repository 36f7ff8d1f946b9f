"""Mounted at the root of a company's domain (heat_platform/urls_tenant.py)."""

from django.urls import path, re_path

from .views import InvoiceFileView, NuonuoCallbackView

urlpatterns = [
    re_path(r"^files/invoices/(?P<invoice_id>[0-9]{1,18})\.(?P<fmt>pdf|ofd)$", InvoiceFileView.as_view(),
            name="invoice-file"),
    path("invoices/callback/nuonuo/", NuonuoCallbackView.as_view(), name="invoice-callback-nuonuo"),
]
