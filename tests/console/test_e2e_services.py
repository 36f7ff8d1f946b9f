"""A technician's work queue (我的工单, issue 16) on a phone-sized screen (390×844) in a real browser.

The shared console company gets, for this test only, a Beijing room-temperature rule in force, a house of its
own and two tickets the admin dispatched to the company's technician: a temperature report (ASSIGNED) and a
repair (ON_SITE, due sooner). The technician signs in, opens 我的工单 on the phone: the cards come by due time
and fit the screen (no sideways scrolling); the repair is resolved with what was done (it leaves the queue);
the temperature report gets an inspection typed on the phone — two rooms with areas and readings (the room's
mean shown as typed), the thermometer's number, the resident's signature and a photo uploaded from the
camera input — and the server records it: the ticket is on site, the inspection has the rooms, the photo is
attached, and 16.0 ℃ under Beijing's 18 ℃ through the utility opens a shortfall period. Everything the test
added is removed again."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from tests.factories.db import committed
from tests.factories.services import image_bytes

ACCOUNT_NO = f"E2E-S{os.getpid() % 100000:05d}"
PHONE = {"width": 390, "height": 844}


def _queue(tenant, staff):
    from apps.accounts.models import User
    from apps.services.city_rules import city_rules_seed
    from apps.services.models import QualityRule, TicketCategory, TicketKind
    from apps.services.tickets import ticket_assign, ticket_start, ticket_submit
    from tests.factories.properties import HouseFactory

    with schema_context(tenant.schema):
        admin = User.objects.get(username=staff["TENANT_ADMIN"])
        tech = User.objects.get(username=staff["TECHNICIAN"])
        today = timezone.localdate()
        made_rule = None
        if not QualityRule.objects.filter(effective_from__lte=today).exists():
            made_rule = city_rules_seed("beijing", effective_from=today - dt.timedelta(days=30))
        house = HouseFactory(account_no=ACCOUNT_NO, owner_name="服务测试户")
        category, made_category = TicketCategory.objects.get_or_create(
            kind=TicketKind.REPAIR, name="E2E 暖气漏水", defaults={"respond_hours": 2, "resolve_hours": 4})
        cold = ticket_submit(house_id=house.pk, kind="temperature", description="卧室很冷，只有15度",
                             contact_name="王建国", contact_phone="13800138000", reported_temp="15.0", actor=admin)
        ticket_assign(ticket_id=cold.pk, assignee_id=tech.pk, actor=admin)
        leak = ticket_submit(house_id=house.pk, kind="repair", category_id=category.pk, description="暖气片漏水",
                             contact_name="王建国", contact_phone="13800138000", actor=admin)
        ticket_assign(ticket_id=leak.pk, assignee_id=tech.pk, actor=admin)
        ticket_start(ticket_id=leak.pk, actor=tech)
        cold.refresh_from_db()
        leak.refresh_from_db()
    return SimpleNamespace(house=house, cold=cold, leak=leak, rule_id=made_rule.pk if made_rule else None,
                           category_id=category.pk if made_category else None, tech=tech)


def _remove(tenant, made) -> None:
    from django.core.files.storage import default_storage

    from apps.properties.models import House
    from apps.services.models import (
        Compensation,
        Inspection,
        Photo,
        QualityRule,
        ShortfallPeriod,
        Ticket,
        TicketCategory,
    )

    from .conftest import purge_houses

    with schema_context(tenant.schema):
        tickets = Ticket.objects.filter(house=made.house)
        for photo in Photo.objects.filter(ticket__in=tickets) | Photo.objects.filter(inspection__ticket__in=tickets):
            default_storage.delete(photo.path)
            photo.delete()
        Compensation.objects.filter(house=made.house).delete()
        ShortfallPeriod.objects.filter(house=made.house).delete()
        Inspection.objects.filter(house=made.house).delete()
        tickets.delete()  # events cascade
        if made.category_id:
            TicketCategory.objects.filter(pk=made.category_id).delete()
        if made.rule_id:
            QualityRule.objects.filter(pk=made.rule_id).delete()
        purge_houses(House.objects.filter(pk=made.house.pk))


@pytest.fixture
def queue(console_tenant, console):
    made = committed(_queue, console_tenant.info, console_tenant.staff)
    yield made
    committed(_remove, console_tenant.info, made)


def _inspection_of(tenant, ticket_id):
    from apps.services.models import Inspection, ShortfallPeriod, Ticket

    with schema_context(tenant.schema):
        inspection = Inspection.objects.filter(ticket_id=ticket_id).first()
        return SimpleNamespace(
            status=Ticket.objects.get(pk=ticket_id).status,
            rooms=inspection.rooms if inspection else None,
            house_temp=str(inspection.house_temp) if inspection else None,
            device_no=inspection.device_no if inspection else None,
            signature=inspection.resident_signature if inspection else None,
            photos=inspection.photos.count() if inspection else 0,
            shortfall=ShortfallPeriod.objects.filter(ticket_id=ticket_id, status="open").exists(),
        )


def test_technician_works_the_queue_on_a_phone(console_tenant, console, queue):
    host = console_tenant.info.host
    page = console.login(host, console_tenant.staff["TECHNICIAN"])
    page.set_viewport_size(PHONE)
    console.open(host, "/console/my-work")
    leak_card = page.get_by_test_id(f"work-card-{queue.leak.no}")
    cold_card = page.get_by_test_id(f"work-card-{queue.cold.no}")
    expect(leak_card).to_be_visible()
    expect(cold_card).to_be_visible()
    # The repair is due first (4 h to resolve) and comes first; the cards fit a phone's width.
    order = page.locator("[data-testid^='work-card-T']").evaluate_all("nodes => nodes.map(n => n.dataset.testid)")
    assert order.index(f"work-card-{queue.leak.no}") < order.index(f"work-card-{queue.cold.no}")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    box = cold_card.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    # The assigned technician calls to arrange the visit: the caller's full number, as a tel: link.
    phone = page.get_by_test_id(f"work-card-phone-{queue.cold.no}")
    expect(phone).to_have_text("13800138000")
    expect(phone).to_have_attribute("href", "tel:13800138000")
    console.shot("queue")

    # The repair: resolved with what was done; it leaves the queue.
    leak_card.get_by_test_id("ticket-action-resolve").click()
    page.get_by_test_id("ticket-dialog-text").fill("更换了暖气片阀门，已不漏水")
    page.get_by_test_id("ticket-dialog-ok").click()
    expect(leak_card).to_have_count(0)

    # The temperature report: the inspection typed on the phone, with a photo from the camera input.
    cold_card.get_by_test_id("ticket-action-inspect").click()
    form = page.get_by_test_id("inspection-form")
    expect(form).to_be_visible()
    form.get_by_test_id("inspection-room-name-0").fill("客厅")
    form.get_by_test_id("inspection-room-area-0").fill("20.5")
    form.get_by_test_id("inspection-room-readings-0").fill("16.4 16.6")
    expect(form.get_by_test_id("inspection-room-temp-0")).to_have_text("16.5℃")
    form.get_by_test_id("inspection-add-room").click()
    form.get_by_test_id("inspection-room-name-1").fill("主卧")
    form.get_by_test_id("inspection-room-area-1").fill("14")
    form.get_by_test_id("inspection-room-readings-1").fill("15.9 16.1")
    expect(form.get_by_test_id("inspection-house-temp")).to_contain_text("16.0℃")
    form.get_by_test_id("inspection-device").fill("TH-2026-01")
    form.get_by_test_id("inspection-signature").fill("王建国")
    form.get_by_test_id("inspection-photos").locator("input[type=file]").set_input_files(
        files=[{"name": "thermometer.jpg", "mimeType": "image/jpeg", "buffer": image_bytes()}])
    expect(form.get_by_test_id("inspection-photos").locator(".ant-upload-list-item-done")).to_have_count(1)
    console.shot("inspection")
    form.get_by_test_id("inspection-submit").click()
    expect(page.get_by_text("已记录：室温 16.0℃，不达标")).to_be_visible()
    expect(page.get_by_test_id(f"work-card-status-{queue.cold.no}")).to_have_attribute("data-status", "ON_SITE")
    console.shot("recorded")

    saved = committed(_inspection_of, console_tenant.info, queue.cold.pk)
    assert saved.status == "on_site"
    rooms = [(r["name"], Decimal(str(r["area"])), [Decimal(str(x)) for x in r["readings"]]) for r in saved.rooms]
    assert rooms == [("客厅", Decimal("20.5"), [Decimal("16.4"), Decimal("16.6")]),
                     ("主卧", Decimal("14"), [Decimal("15.9"), Decimal("16.1")])]
    assert saved.house_temp == "16.0"
    assert (saved.device_no, saved.signature, saved.photos) == ("TH-2026-01", "王建国", 1)
    assert saved.shortfall  # below Beijing's 18 ℃ through the utility: the shortfall period is open
