"""A local Nuonuo 诺税通 cloud (dev and tests only), mounted at /sandbox/nuonuo/ on the platform domain.

It speaks the protocol apps/invoices/providers/nuonuo.py speaks (signed requests verified, the `{code, describe,
result}` envelope, asynchronous states, form-POST callbacks) and serves real layout files (PDF, OFD, XML), so the
production adapter runs against it unchanged. Production never installs it (heat_platform/settings/production.py).
The logic is in cloud.py, the files in files.py, the endpoints and test knobs in views.py.
"""
