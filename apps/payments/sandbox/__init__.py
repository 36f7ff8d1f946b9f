"""Local fake WeChat Pay v3 and Alipay gateways (dev and tests only).

They speak the real protocols: they verify the merchant's request signature,
answer with responses signed by a sandbox platform key, and when a payment is
confirmed (JSON endpoint or the tiny "pay / fail" page) POST a real signed (and,
for WeChat, AES-256-GCM encrypted) notify to the order's notify_url. Production
never installs this app; production settings refuse sandbox gateway URLs.
"""
