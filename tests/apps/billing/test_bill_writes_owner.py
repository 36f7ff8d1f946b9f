"""Billing owns every bill write (STYLE.md "One owner per table"): outside
apps/billing no module creates, updates or deletes Bill, BillLine or
HouseCredit rows, sets a bill's principal or paid amount, or writes the bill
tables in raw SQL. Payments, true-up credits and future features (invoices,
compensation) ask apps.billing.services instead. Every import counts,
including ones inside functions and aliased ones."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
OWNED = {"Bill", "BillLine", "HouseCredit"}
WRITES = {"create", "bulk_create", "update", "bulk_update", "update_or_create", "get_or_create", "delete",
          "save", "select_for_update"}
MONEY_FIELDS = {"principal_fen", "paid_fen"}
TABLES = ("billing_bill", "billing_billline", "billing_housecredit")
SQL_WRITES = ("insert into", "update ", "delete from")


def _owned_names(tree: ast.AST) -> set[str]:
    """Local names bound to billing's models (`from apps.billing.models import Bill as B`)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("billing.models"):
            names |= {alias.asname or alias.name for alias in node.names if alias.name in OWNED}
    return names


def _root(node: ast.AST) -> ast.AST:
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node


def violations(source: str, filename: str = "x.py") -> list[str]:
    tree = ast.parse(source, filename=filename)
    owned = _owned_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in owned:
                found.append(f"{filename}:{node.lineno} builds a {func.id} row")
            elif isinstance(func, ast.Attribute) and func.attr in WRITES:
                root = _root(func.value)
                if isinstance(root, ast.Name) and root.id in owned:
                    found.append(f"{filename}:{node.lineno} {root.id}….{func.attr}()")
                elif func.attr == "save" and any(
                        isinstance(k.value, (ast.List, ast.Tuple)) and any(
                            isinstance(e, ast.Constant) and e.value in MONEY_FIELDS for e in k.value.elts)
                        for k in node.keywords if k.arg == "update_fields"):
                    found.append(f"{filename}:{node.lineno} saves a bill's money fields")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for t in (target.elts if isinstance(target, ast.Tuple) else [target]):
                    if isinstance(t, ast.Attribute) and t.attr in MONEY_FIELDS:
                        found.append(f"{filename}:{node.lineno} sets .{t.attr}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = " ".join(node.value.lower().split())
            if any(t in text for t in TABLES) and any(w in text for w in SQL_WRITES):
                found.append(f"{filename}:{getattr(node, 'lineno', 0)} writes a bill table in SQL")
    return found


def _modules() -> list[Path]:
    folders = ("apps", "tenants", "heat_platform", "graphql_api")
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py")
                  if "migrations" not in p.parts and not p.is_relative_to(ROOT / "apps" / "billing"))


def test_only_billing_writes_bills():
    found = [v for p in _modules() for v in violations(p.read_text(encoding="utf-8"), str(p.relative_to(ROOT)))]
    assert found == []


def test_the_check_covers_the_modules_that_touch_bills():
    paths = {str(p.relative_to(ROOT)) for p in _modules()}
    assert {"apps/payments/services/settlement.py", "apps/payments/services/refunds.py",
            "apps/payments/services/counter.py", "apps/payments/services/orders.py"} <= paths


@pytest.mark.parametrize("source", [
    # how payments wrote bills before billing owned them
    "from apps.billing.models import Bill, BillLine\n"
    "def f(bill):\n    BillLine.objects.create(bill=bill, position=1)\n",
    "from apps.billing.models import BillLine as L\nrows = [L(bill_id=1)]\n",
    "def f(bill, n):\n    bill.paid_fen += n\n",
    "def f(bill, n):\n    bill.principal_fen, x = n, 1\n",
    "def f(bill):\n    bill.save(update_fields=['paid_fen', 'status'])\n",
    "from apps.billing import models as m\nfrom apps.billing.models import Bill\n"
    "def f():\n    Bill.objects.filter(pk=1).update(status='paid')\n",
    "def f():\n    from apps.billing.models import HouseCredit\n    HouseCredit.objects.filter(pk=1).delete()\n",
    "SQL = 'UPDATE billing_bill SET paid_fen = 0'\n",
    "SQL = '''INSERT INTO\n  billing_billline (bill_id) VALUES (1)'''\n",
])
def test_the_check_sees_each_kind_of_bill_write(source):
    assert violations(source) != []


@pytest.mark.parametrize("source", [
    "from apps.billing.models import Bill\ndef f(ids):\n    return list(Bill.objects.filter(pk__in=ids))\n",
    "def f(order):\n    order.refunded_fen += 1\n    order.save(update_fields=['refunded_fen'])\n",
    "from apps.billing.services import bill_post\n",
    "SQL = 'SELECT * FROM billing_bill'\n",
])
def test_reads_and_other_tables_pass(source):
    assert violations(source) == []
