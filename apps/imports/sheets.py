"""What a background .xlsx export writes: one sheet's title, headers, row count and rows (shared by the ledger
exports in export_jobs.py and the finance reports in report_exports.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Sheet:
    title: str
    headers: tuple[str, ...]
    count: Callable[[dict], int]  # rows the filters give (for the progress bar)
    rows: Callable[[dict, bool], Iterator[list]]  # (filters, masked) -> rows


def yuan(fen: int | None) -> Decimal:
    """Fen as a yuan cell (Decimal, 2 places): Excel shows money, sums stay exact."""
    return (Decimal(fen or 0) / 100).quantize(Decimal("0.01"))
