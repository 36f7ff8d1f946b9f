"""`make bench`: importing the house ledger vs. merely reading the same file.

For 20,000 and 100,000 houses, as .xlsx written the way Excel and WPS save it
(a shared-strings table) and as .csv (UTF-8 with BOM, as the export writes),
each measured in a fresh Python process of its own:
- the read floor: stock openpyxl `load_workbook(read_only=True, data_only=True)`
  iterating every row's values, or the csv module iterating every record;
- the import: `house_import` into a company with an empty ledger (create_missing,
  so 小区/楼/单元 are created too), from opening the file to the commit;
- peak memory: that process's RSS high-water mark (VmHWM from /proc), which
  counts everything (Python heap, C libraries, file pages mapped), next to its
  RSS just before the timed part (Django, openpyxl and psycopg loaded).
Times are the best of RUNS runs; memory the worst.

Targets (issue #3): import <= 2x the read floor for xlsx and <= 4x for csv;
peak memory <= 300 MB and flat in file size. The memory targets and the xlsx
speed target are asserted; the csv speed target is not met (Fernet encryption
of two numbers per row alone costs many times the csv module's read) and only
the measured ratio is asserted, with margin, against regressions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import _info

SIZES = (20_000, 100_000)
RUNS = 3
ROOT = Path(__file__).resolve().parents[2]
XLSX_TARGET, CSV_TARGET = 2.0, 4.0
CSV_REGRESSION_BOUND = 100.0  # measured ~60x on a 2-vCPU box; see the module docstring
MEMORY_TARGET_MB = 300
FLAT_MB = 10  # 5x the rows may add at most this much peak memory

_GENERATE = """
import sys
from pathlib import Path
from tests.apps.imports.files import house_row, write_csv, write_xlsx_shared
n, folder = int(sys.argv[1]), Path(sys.argv[2])
write_xlsx_shared(folder / f"ledger-{n}.xlsx", (house_row(i) for i in range(n)), total_rows=n)
write_csv(folder / f"ledger-{n}.csv", (house_row(i) for i in range(n)))
"""
_PROC = """
def kb(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
"""
_FLOOR = _PROC + """
import csv, json, sys, time
from openpyxl import load_workbook
path, kind = sys.argv[1], sys.argv[2]
before = kb("VmRSS")
t0 = time.perf_counter()
rows = 0
if kind == "xlsx":
    wb = load_workbook(path, read_only=True, data_only=True)
    for _values in wb.worksheets[0].iter_rows(values_only=True):
        rows += 1
    wb.close()
else:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for _record in csv.reader(fh):
            rows += 1
print(json.dumps({"seconds": time.perf_counter() - t0, "rows": rows - 1, "before_kb": before, "peak_kb": kb("VmHWM")}))
"""
_IMPORT = _PROC + """
import json, sys, time
import django
django.setup()
from django.db import connection
from django_tenants.utils import schema_context
from apps.imports.services import house_import
path, kind, schema = sys.argv[1], sys.argv[2], sys.argv[3]
connection.ensure_connection()
before = kb("VmRSS")
t0 = time.perf_counter()
with schema_context(schema), open(path, "rb") as fh:
    outcome = house_import(source=fh, file_kind=kind, create_missing=True)
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "rows": outcome.counts.created, "errors": outcome.errors[:3],
                  "before_kb": before, "peak_kb": kb("VmHWM")}))
"""


def _run(code: str, *args: str, env: dict | None = None) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env, check=True, capture_output=True,
                          text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child_env() -> dict:
    """The child processes use the test database this session created."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "heat_platform.settings.test"}


def _empty_ledger(schema: str) -> None:
    with connection.cursor() as cur:
        cur.execute(f'TRUNCATE "{schema}".properties_community, "{schema}".properties_heatingstatuschange '
                    f'RESTART IDENTITY CASCADE')
        cur.execute(f'VACUUM ANALYZE "{schema}".properties_house')  # no autovacuum racing the next run


def _best(runs: list[dict]) -> dict:
    return {"seconds": min(r["seconds"] for r in runs), "peak_mb": max(r["peak_kb"] for r in runs) / 1024,
            "before_mb": max(r["before_kb"] for r in runs) / 1024}


@pytest.mark.bench
@pytest.mark.django_db(transaction=True)
def test_bench_import(tmp_path):
    schema = _info("alpha").schema
    env = _child_env()
    for n in SIZES:
        subprocess.run([sys.executable, "-c", _GENERATE, str(n), str(tmp_path)], cwd=ROOT, check=True)
    results: dict[tuple[str, int], tuple[dict, dict]] = {}
    try:
        for n in SIZES:
            for kind in ("xlsx", "csv"):
                path = str(tmp_path / f"ledger-{n}.{kind}")
                floors, imports = [], []
                for _ in range(RUNS):
                    floors.append(_run(_FLOOR, path, kind))
                    _empty_ledger(schema)
                    imports.append(_run(_IMPORT, path, kind, schema, env=env))
                assert all(r["rows"] == n for r in floors + imports), (floors, imports)
                results[(kind, n)] = (_best(floors), _best(imports))
    finally:
        _empty_ledger(schema)

    print(f"\nhouse import vs. read floor (fresh process each; best of {RUNS}; peak = VmHWM, RSS high-water mark)")
    for (kind, n), (floor, imp) in results.items():
        target = XLSX_TARGET if kind == "xlsx" else CSV_TARGET
        print(f"  {kind:4} {n:>7,} rows: import {imp['seconds']:6.2f} s = {n / imp['seconds']:>7,.0f} rows/s, "
              f"peak {imp['peak_mb']:3.0f} MB ({imp['before_mb']:.0f} MB before) | read floor "
              f"{floor['seconds']:5.2f} s, peak {floor['peak_mb']:3.0f} MB | import = "
              f"{imp['seconds'] / floor['seconds']:.1f}x floor (target <= {target:.0f}x)")

    for kind in ("xlsx", "csv"):
        small, large = results[(kind, SIZES[0])][1], results[(kind, SIZES[-1])][1]
        assert large["peak_mb"] <= MEMORY_TARGET_MB, (kind, large)
        assert large["peak_mb"] - small["peak_mb"] <= FLAT_MB, (kind, small, large)
    floor, imp = results[("xlsx", SIZES[-1])]
    assert imp["seconds"] <= XLSX_TARGET * floor["seconds"]
    floor, imp = results[("csv", SIZES[-1])]
    assert imp["seconds"] <= CSV_REGRESSION_BOUND * floor["seconds"]
