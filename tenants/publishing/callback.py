"""The third-party platform's "authorization event" URL (授权事件接收 URL), on the
platform domain: POST /wxopen/callback/?timestamp&nonce&msg_signature&encrypt_type=aes
with `<xml><AppId/><Encrypt/></xml>`. WeChat pushes, encrypted and signed:

- `component_verify_ticket` every 10 minutes → stored (needed for the component token);
- `unauthorized` → the company's authorization is dropped;
- `authorized` / `updateauthorized` (with an AuthorizationCode) → exchanged and
  stored for the company whose AppID it is.

It must answer the plain text "success" (quickly); anything unverifiable is a 400.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..models import MiniProgramAccount
from . import PublishError
from .crypto import MessageCryptError, decrypt, verify_signature
from .services import authorization_complete, authorization_revoke, ticket_store

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024


def _fields(xml_text: str) -> dict[str, str]:
    root = ET.fromstring(xml_text)  # noqa: S314
    return {child.tag: (child.text or "").strip() for child in root}


@csrf_exempt
@require_POST
def component_callback(request: HttpRequest) -> HttpResponse:
    if not settings.WECHAT_OPEN_MESSAGE_TOKEN or not settings.WECHAT_OPEN_ENCODING_AES_KEY:
        return HttpResponse("not configured", status=404, content_type="text/plain")
    if len(request.body) > MAX_BODY:
        return HttpResponse("too large", status=413, content_type="text/plain")
    try:
        encrypted = _fields(request.body.decode())["Encrypt"]
    except (ET.ParseError, UnicodeDecodeError, KeyError):
        return HttpResponse("bad request", status=400, content_type="text/plain")
    if not verify_signature(token=settings.WECHAT_OPEN_MESSAGE_TOKEN, timestamp=request.GET.get("timestamp", ""),
                            nonce=request.GET.get("nonce", ""), encrypted=encrypted,
                            msg_signature=request.GET.get("msg_signature", "")):
        logger.warning("wxopen callback with a bad signature")
        return HttpResponse("bad signature", status=400, content_type="text/plain")
    appid = settings.WECHAT_OPEN_COMPONENT_APPID
    try:
        message = _fields(decrypt(encoding_aes_key=settings.WECHAT_OPEN_ENCODING_AES_KEY, appid=appid,
                                  encrypted=encrypted))
    except (MessageCryptError, ET.ParseError):
        logger.warning("wxopen callback that does not decrypt for this component")
        return HttpResponse("bad message", status=400, content_type="text/plain")
    info_type = message.get("InfoType", "")
    if info_type == "component_verify_ticket" and message.get("ComponentVerifyTicket"):
        ticket_store(component_appid=appid, ticket=message["ComponentVerifyTicket"])
    elif info_type == "unauthorized" and message.get("AuthorizerAppid"):
        authorization_revoke(authorizer_appid=message["AuthorizerAppid"])
    elif info_type in ("authorized", "updateauthorized") and message.get("AuthorizationCode"):
        account = (MiniProgramAccount.objects.filter(app_id=message.get("AuthorizerAppid", ""))
                   .select_related("tenant").first())
        if account is None:
            logger.warning("wxopen authorization for an AppID no company has: %s", message.get("AuthorizerAppid"))
        else:
            try:
                authorization_complete(tenant=account.tenant, authorization_code=message["AuthorizationCode"])
            except PublishError as exc:
                logger.warning("wxopen authorization of %s not completed: %s", account.app_id, exc.code)
    else:
        logger.info("wxopen callback %s ignored", info_type or "without InfoType")
    return HttpResponse("success", content_type="text/plain")
