"""Builders shared by every test folder (and the benchmarks), one module per domain.

Test modules import builders from here, never from another folder's conftest or
from another test module (tests/test_layout.py keeps it so); fixtures used by
more than one folder live in tests/conftest.py.

- ``tenants``: the session-wide companies (``TenantInfo``, ``PASSWORD``,
  ``OPERATOR``), branding and the mini-program template, images.
- ``signup``: self-onboarding through the API (SMS code, registerTenant).
- ``accounts``: staff (``StaffFactory``, ``staff``).
- ``residents``: ``ResidentFactory``, ``resident_token``.
- ``properties``: communities, buildings, units, houses (factory_boy).
- ``tariffs``: ``SeasonFactory``, ``TariffPlanFactory`` and the named seasons
  built on them (``season_with_plans``, ``tianjin_season``, the counter's
  ``plain_season`` / ``discount_season`` / ``late_fee_season``).
- ``billing``: ``bill_for``.
- ``payments``: sandbox merchants, payers with bills, counter and online payments.
- ``wechatpay``: provider-level WeChat Pay builders (merchant configs, order and
  refund requests, the sandbox's confirm).
- ``imports``: ledger rows and files (.csv, .xlsx both ways), exports read back.
- ``db``: ``committed``, to write data other threads and a live server can see.
"""
