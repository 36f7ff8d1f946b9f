from django.urls import include, path

urlpatterns = [
    path("wechatpay/", include("apps.payments.sandbox.wechat_views")),
    path("alipay/", include("apps.payments.sandbox.alipay_views")),
    path("bills/", include("apps.payments.sandbox.bills_views")),
]
