"""export_tenant / import_tenant: a company's archive holds every table of its schema (found in the
catalogue), its public rows and media, with checksums; restoring it as a new company gives the same
rows (encrypted fields re-encrypted, equal once decrypted) and the same files. Bad archives and
occupied targets are refused with nothing created."""

from __future__ import annotations

import io
import json
import tarfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context, schema_exists, tenant_context

from apps.payments.services import refund_request
from apps.properties.models import House
from apps.properties.services import house_update
from apps.residents.services import resident_phone_bind_wechat
from heat_platform.crypto import EncryptedTextField, blind_index, decrypt
from heat_platform.models import OperatorAuditLog
from tenants.archive import PUBLIC_IMPORTED, PUBLIC_RECORD_ONLY, public_models, tenant_export, tenant_import
from tenants.lifecycle import tenant_purge
from tenants.models import HeatingCompany, MerchantAccount, MiniProgramAccount, MiniProgramBranding
from tenants.services import tenant_close, tenant_register
from tests.factories.accounts import staff
from tests.factories.payments import add_wechat_account, make_payer, pay
from tests.factories.tariffs import tianjin_season
from tests.factories.tenants import brand, registration, tenant_info

PASSPHRASE = "correct horse battery staple"
OWNER_PHONE = "13911112222"
OWNER_ID = "110101198001011234"


def _catalogue_tables(schema: str) -> list[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                    "AND table_type = 'BASE TABLE' ORDER BY 1", [schema])
        return [r[0] for r in cur.fetchall()]


def _snapshot(schema: str) -> dict[str, list[tuple]]:
    """Every row of every table, read raw with SQL (not through the archive code); encrypted
    columns decrypted, since the import re-encrypts them under fresh nonces."""
    encrypted = {m._meta.db_table: {f.column for f in m._meta.concrete_fields if isinstance(f, EncryptedTextField)}
                 for m in apps.get_models()}
    out = {}
    with connection.cursor() as cur:
        for table in _catalogue_tables(schema):
            if table == "django_migrations":
                continue
            cur.execute(f'SELECT * FROM "{schema}"."{table}" ORDER BY 1')
            cols = [d.name for d in cur.description]
            secret = encrypted.get(table, set())
            out[table] = [tuple(decrypt(v) if c in secret and v else v for c, v in zip(cols, row, strict=True))
                          for row in cur.fetchall()]
    return out


def _raw(schema: str, sql: str) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(sql.replace("{s}", f'"{schema}"'))
        return cur.fetchall()


def _public(tenant: HeatingCompany) -> dict:
    def rows(model):
        skip = {"id", "tenant_id"}
        return [{f.attname: f.value_from_object(o) for f in model._meta.concrete_fields if f.attname not in skip}
                for o in model.objects.filter(tenant=tenant).order_by("pk")]

    company = {f.attname: f.value_from_object(tenant) for f in HeatingCompany._meta.concrete_fields
               if f.attname not in ("id", "slug", "schema_name")}
    return {"company": company, "merchants": rows(MerchantAccount), "miniprogram": rows(MiniProgramAccount),
            "branding": rows(MiniProgramBranding)}


def _media(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def company(db, mp_media):
    """A company filled through the services: branding (logo file, mini-program account), a WeChat
    merchant, a season with bills, a resident with a phone and two bound houses, a counter payment
    and a refund, a staff group (a many-to-many row); every service leaves audit rows."""
    tenant_register(registration=registration("arch-src"))
    info = tenant_info("arch-src")
    brand(info, app_id="wx00000000000a4c01", name="归档热力")
    add_wechat_account("arch-src", mchid="1900000901", appid="wx00000000000a4c01")
    with schema_context(info.schema):
        season = tianjin_season()
    payer = make_payer(info, season, openid="o-archive", houses=2)
    with tenant_context(HeatingCompany.objects.get(slug="arch-src")):  # the company's own mini-program
        resident_phone_bind_wechat(resident=payer.resident, code="sandbox-phone:13800138000", ip="10.0.0.2")
    with schema_context(info.schema):
        collector = staff("coll-arch")
        boss = staff("boss-arch", role="tenant_admin")
        house_update(house_id=payer.houses[0].pk, actor=boss,
                     changes={"owner_phone": OWNER_PHONE, "owner_id_no": OWNER_ID})
        collector.groups.add(Group.objects.create(name="前台"))
        order = pay(collector, payer.bills[:1], 50000, "NO.A1")
        refund_request(order_id=order.pk, amount_fen=1000, reason="多收退回", actor=boss)
    return info


def test_round_trip_restores_every_row_public_row_and_file(company, mp_media, tmp_path):
    src = HeatingCompany.objects.get(slug="arch-src")
    before, public_before = _snapshot(company.schema), _public(src)
    with schema_context(company.schema):
        house_room = House.objects.get(owner_phone_index=blind_index(OWNER_PHONE, purpose="phone")).room
    media_before = _media(mp_media / company.schema)
    assert media_before and before["payments_refund"] and before["audit_auditlog"] and before["accounts_user_groups"]

    result = tenant_export(slug="arch-src", path=tmp_path / "a.tar.gz.age", passphrase=PASSPHRASE)
    assert result.encrypted and (tmp_path / "a.tar.gz.age").read_bytes().startswith(b"age-encryption.org/v1")
    assert {t["name"] for t in result.manifest["tables"]} == set(_catalogue_tables(company.schema))

    # The company moves: closed, purged past its retention period, restored under a new slug.
    tenant_close(tenant_id=src.pk, actor=None, reason="迁移")
    tenant_purge(tenant_id=src.pk, now=timezone.now() + timedelta(days=settings.TENANT_RETENTION_DAYS + 1))
    assert not schema_exists(company.schema) and not (mp_media / company.schema).exists()

    imported = tenant_import(path=tmp_path / "a.tar.gz.age", slug="arch-dst", passphrase=PASSPHRASE)
    dst = HeatingCompany.objects.get(slug="arch-dst")
    assert imported.tenant.pk == dst.pk and dst.schema_name == "t_arch_dst"
    assert _snapshot(dst.schema_name) == before
    after = _public(dst)
    assert after["company"] == public_before["company"]  # exported while active: restored active
    assert {k: v for k, v in after.items() if k != "company"} == \
        {k: v for k, v in public_before.items() if k != "company"}
    assert dst.domains.get().domain == "arch-dst.localhost"
    assert _media(mp_media / dst.schema_name) == media_before
    # Encrypted at rest again (not the archive's plaintext), and searchable: the blind index was recomputed.
    (stored, index), = _raw(dst.schema_name, f"SELECT owner_phone, owner_phone_index FROM {{s}}.properties_house "
                                             f"WHERE room = '{house_room}'")
    assert OWNER_PHONE not in stored and decrypt(stored) == OWNER_PHONE
    with schema_context(dst.schema_name):
        assert House.objects.get(owner_phone_index=index).owner_phone == OWNER_PHONE
        # Sequences continue after the restored ids.
        assert Group.objects.create(name="新组").pk > max(r[0] for r in before["auth_group"])
    assert OperatorAuditLog.objects.filter(action="tenant.import", tenant=dst).exists()


def test_the_archive_holds_every_table_even_one_no_model_knows(alpha, tmp_path):
    with connection.cursor() as cur:
        cur.execute(f'CREATE TABLE "{alpha.schema}".legacy_notes (id int PRIMARY KEY, note text)')
        cur.execute(f"INSERT INTO \"{alpha.schema}\".legacy_notes VALUES (1, 'a'), (2, NULL), (3, '')")
    manifest = tenant_export(slug="alpha", path=tmp_path / "a.tar.gz", passphrase=None).manifest
    tables = {t["name"]: t for t in manifest["tables"]}
    assert set(tables) == set(_catalogue_tables(alpha.schema))
    # Every tenant model's table, many-to-many tables included, is found in the catalogue.
    tenant_apps = set(settings.TENANT_APPS)
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_config.name in tenant_apps and model._meta.managed:
            assert model._meta.db_table in tables, model
    assert tables["legacy_notes"]["rows"] == 3
    with tarfile.open(tmp_path / "a.tar.gz") as tar:
        assert tar.extractfile("tables/legacy_notes.csv").read() == b'id,note\n1,a\n2,\n3,""\n'  # NULL vs ""
    assert tables["properties_house"]["decrypted_columns"] == ["owner_phone", "owner_id_no"]
    # This installation has no such table: the import refuses and creates nothing.
    with pytest.raises(ValidationError) as err:
        tenant_import(path=tmp_path / "a.tar.gz", slug="alpha-copy")
    assert err.value.code == "TABLES_DIFFER"
    assert not HeatingCompany.objects.filter(slug="alpha-copy").exists() and not schema_exists("t_alpha_copy")


def test_every_public_model_pointing_to_a_company_is_exported_and_classified():
    found = {m._meta.label_lower for m in public_models()}
    assert found == set(PUBLIC_IMPORTED) | set(PUBLIC_RECORD_ONLY)


def _rewrite(src: Path, dst: Path, name: str, change) -> None:
    with tarfile.open(src) as tin, tarfile.open(dst, "w:gz") as tout:
        for member in tin.getmembers():
            data = tin.extractfile(member).read()
            if member.name == name:
                data = change(data)
                member.size = len(data)
            tout.addfile(member, io.BytesIO(data))


@pytest.mark.parametrize("name,change,code", [
    ("tables/properties_house.csv", lambda b: b.replace(b"H", b"X", 1), "CHECKSUM_MISMATCH"),
    ("manifest.json", lambda b: json.dumps({**json.loads(b), "migrations": json.loads(b)["migrations"][1:]}).encode(),
     "MIGRATIONS_DIFFER"),
    ("manifest.json", lambda b: json.dumps({**json.loads(b), "format_version": 99}).encode(), "INVALID_ARCHIVE"),
])
def test_a_changed_archive_is_refused_with_nothing_created(alpha, tmp_path, name, change, code):
    from tests.factories.properties import HouseFactory

    with schema_context(alpha.schema):
        HouseFactory(account_no="H1")
    tenant_export(slug="alpha", path=tmp_path / "a.tar.gz", passphrase=None)
    _rewrite(tmp_path / "a.tar.gz", tmp_path / "b.tar.gz", name, change)
    with pytest.raises(ValidationError) as err:
        tenant_import(path=tmp_path / "b.tar.gz", slug="alpha-copy")
    assert err.value.code == code
    assert not HeatingCompany.objects.filter(slug="alpha-copy").exists() and not schema_exists("t_alpha_copy")


def test_passphrases_and_occupied_targets_are_refused(alpha, tmp_path):
    path = tmp_path / "a.age"
    with pytest.raises(ValidationError) as err:
        tenant_export(slug="alpha", path=path, passphrase="short")
    assert err.value.code == "PASSPHRASE_TOO_SHORT" and not path.exists()
    tenant_export(slug="alpha", path=path, passphrase=PASSPHRASE)
    for passphrase, code in ((None, "PASSPHRASE_REQUIRED"), ("wrong passphrase!", "WRONG_PASSPHRASE")):
        with pytest.raises(ValidationError) as err:
            tenant_import(path=path, slug="alpha-copy", passphrase=passphrase)
        assert err.value.code == code
    for slug, code in (("alpha", "SLUG_TAKEN"), ("beta", "SLUG_TAKEN"), ("Not A Slug", "SLUG_TAKEN")):
        with pytest.raises(ValidationError) as err:
            tenant_import(path=path, slug=slug, passphrase=PASSPHRASE)
        assert err.value.code == code
    with connection.cursor() as cur:
        cur.execute('CREATE SCHEMA "t_alpha_copy"')  # a leftover schema is never written into
    with pytest.raises(ValidationError) as err:
        tenant_import(path=path, slug="alpha-copy", passphrase=PASSPHRASE)
    assert err.value.code == "SCHEMA_EXISTS" and not HeatingCompany.objects.filter(slug="alpha-copy").exists()


def test_an_imported_company_records_its_schemas_migration_state(alpha, tmp_path):
    """The next `migrate` skips a company whose recorded state is the code's: the restored company records its new
    schema's own state, not the source row's (stale here)."""
    from tenants.spares import code_migration_state, schema_migration_state

    HeatingCompany.objects.filter(slug="alpha").update(migration_state="stale")
    tenant_export(slug="alpha", path=tmp_path / "a.tar.gz", passphrase=None)

    tenant_import(path=tmp_path / "a.tar.gz", slug="alpha-copy")
    dst = HeatingCompany.objects.get(slug="alpha-copy")
    assert dst.migration_state == schema_migration_state(dst.schema_name) == code_migration_state()


def test_commands_export_and_import_with_a_passphrase_file(alpha, tmp_path, capsys):
    from tests.factories.properties import HouseFactory

    with schema_context(alpha.schema):
        HouseFactory(account_no="H7", owner_phone=OWNER_PHONE)
    secret = tmp_path / "pass.txt"
    secret.write_text(PASSPHRASE + "\n")
    call_command("export_tenant", "alpha", str(tmp_path / "a.age"), "--passphrase-file", str(secret))
    assert "encrypted (age)" in capsys.readouterr().out
    call_command("import_tenant", str(tmp_path / "a.age"), "--slug", "alpha-two", "--passphrase-file", str(secret))
    assert "imported alpha-two (t_alpha_two)" in capsys.readouterr().out
    with schema_context("t_alpha_two"):
        assert House.objects.get(account_no="H7").owner_phone == OWNER_PHONE
