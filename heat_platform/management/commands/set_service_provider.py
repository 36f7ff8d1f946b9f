"""Operators: configure the platform's WeChat Pay service-provider merchant or
Alipay ISV app, through which PARTNER/ISV companies are paid.

    manage.py set_service_provider wechat --sp-mchid 1900000001 --sp-appid wx… --serial … \\
        --private-key-file apiclient_key.pem --public-key-id PUB_KEY_ID_… --public-key-file pub_key.pem
        (the APIv3 key is read from $WECHATPAY_SP_APIV3_KEY, never from the command line)
    manage.py set_service_provider alipay --app-id 2021… --private-key-file app_key.pem \\
        --alipay-public-key-file alipay_public.pem
    manage.py set_service_provider wechat --sandbox --sp-mchid 1900000001 --sp-appid wx…
        (dev: fresh keys registered at the sandbox gateway)

Keys are validated like a company's own and stored encrypted."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.payments.providers import MerchantConfig
from tenants.directory import public_context
from tenants.models import ServiceProviderAccount


def _read(path: str | None) -> str:
    if not path:
        return ""
    try:
        return Path(path).read_text()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from None


class Command(BaseCommand):
    help = "Configure the platform's WeChat Pay service-provider merchant or Alipay ISV app."

    def add_arguments(self, parser):
        parser.add_argument("channel", choices=["wechat", "alipay"])
        parser.add_argument("--sandbox", action="store_true", help="generate keys and register at the sandbox")
        parser.add_argument("--sp-mchid", default="")
        parser.add_argument("--sp-appid", default="")
        parser.add_argument("--serial", default="", help="merchant certificate serial number")
        parser.add_argument("--private-key-file")
        parser.add_argument("--public-key-id", default="", help="WeChat Pay public key id (PUB_KEY_ID_…)")
        parser.add_argument("--public-key-file", help="WeChat Pay public key (PEM)")
        parser.add_argument("--app-id", default="", help="Alipay ISV app id")
        parser.add_argument("--alipay-public-key-file")

    def handle(self, *args, channel: str, sandbox: bool, **opts):
        with public_context():
            values = self._sandbox(channel, opts) if sandbox else self._given(channel, opts)
            self._validate(channel, values)
            ServiceProviderAccount.objects.update_or_create(channel=channel, defaults=values)
        # Ids only: never a key.
        ident = values.get("sp_mchid") or values.get("alipay_app_id")
        self.stdout.write(self.style.SUCCESS(f"service provider for {channel} set ({ident})"))

    def _given(self, channel: str, opts: dict) -> dict:
        if channel == "wechat":
            return {"sp_mchid": opts["sp_mchid"], "sp_appid": opts["sp_appid"], "merchant_serial_no": opts["serial"],
                    "merchant_private_key": _read(opts["private_key_file"]),
                    "apiv3_key": os.environ.get("WECHATPAY_SP_APIV3_KEY", ""),
                    "wechatpay_public_key_id": opts["public_key_id"],
                    "wechatpay_public_key": _read(opts["public_key_file"])}
        return {"alipay_app_id": opts["app_id"], "alipay_app_private_key": _read(opts["private_key_file"]),
                "alipay_public_key": _read(opts["alipay_public_key_file"])}

    def _sandbox(self, channel: str, opts: dict) -> dict:
        from django.apps import apps

        if not apps.is_installed("apps.payments.sandbox"):
            raise CommandError("the sandbox gateways are not installed here (production)")
        if channel == "wechat":
            from apps.payments.sandbox.wechat import sandbox_wechat_merchant

            cfg = sandbox_wechat_merchant(mchid=opts["sp_mchid"] or "1900000001",
                                          appid=opts["sp_appid"] or "wx0123456789abcdef", mode="partner")
            return {"sp_mchid": cfg["mchid"], "sp_appid": cfg["appid"], "merchant_serial_no": cfg["merchant_serial_no"],
                    "merchant_private_key": cfg["merchant_private_key"], "apiv3_key": cfg["apiv3_key"],
                    "wechatpay_public_key_id": cfg.get("wechatpay_public_key_id", ""),
                    "wechatpay_public_key": cfg.get("wechatpay_public_key", "")}
        from apps.payments.sandbox.alipay import sandbox_alipay_merchant

        cfg = sandbox_alipay_merchant(app_id=opts["app_id"] or "2021000000000001", seller_id="2088000000000001",
                                      mode="isv")
        return {"alipay_app_id": cfg["alipay_app_id"], "alipay_app_private_key": cfg["alipay_app_private_key"],
                "alipay_public_key": cfg["alipay_public_key"]}

    def _validate(self, channel: str, values: dict) -> None:
        if channel == "wechat":
            from apps.payments.providers.wechat import validate_wechat_config

            # Checked as a direct merchant: the service provider's own credentials.
            problems = validate_wechat_config(MerchantConfig(
                channel="wechat", mode="direct", mchid=values["sp_mchid"], appid=values["sp_appid"],
                merchant_serial_no=values["merchant_serial_no"], merchant_private_key=values["merchant_private_key"],
                apiv3_key=values["apiv3_key"], wechatpay_public_key_id=values["wechatpay_public_key_id"],
                wechatpay_public_key=values["wechatpay_public_key"]))
        else:
            from apps.payments.providers.alipay import validate_alipay_config

            problems = validate_alipay_config(MerchantConfig(
                channel="alipay", mode="direct", alipay_app_id=values["alipay_app_id"],
                alipay_app_private_key=values["alipay_app_private_key"],
                alipay_public_key=values["alipay_public_key"]))
        if problems:
            raise CommandError("; ".join(f"{field}: {message}" for field, message in problems))
