from django.urls import include, path

from . import views

urlpatterns = [
    path("wxapi/", include("apps.messaging.sandbox.wxapi")),  # the fake WeChat subscription-message API
    path("messages/", views.messages_page, name="sandbox-messages"),
    path("messages.json", views.messages_json, name="sandbox-messages-json"),
]
