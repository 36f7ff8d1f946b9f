from django.urls import path

from . import receipt_views, views

urlpatterns = [
    path("notify/wechat/", views.NotifyView.as_view(channel="wechat"), name="payments-notify-wechat"),
    path("notify/alipay/", views.NotifyView.as_view(channel="alipay"), name="payments-notify-alipay"),
    path("receipts/<str:out_trade_no>.pdf", receipt_views.ReceiptView.as_view(), name="payments-receipt"),
]
