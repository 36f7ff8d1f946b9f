"""True-up credits (多退少补) reaching a bill: a house that paid more than its
season's final bill keeps the excess as an open `HouseCredit`
(apps/billing/trueup.py); unless its plan refunds it, the house's next
bill run consumes it as negative `credit` lines of the new bill, oldest
first, at most down to a zero bill. A credit larger than the bill is split:
the used part points at the bill, the rest stays open for a later one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from heat_platform.money import fen_to_yuan_str

from ..engine import Line, one_off_line
from ..models import BillLine, HouseCredit

# A carried credit's explanation: the next run appends "，本次抵扣…元" within BillLine.explanation's 255 characters.
# Writers (apps.services.compensation) keep their text within it, so it is never cut here.
CREDIT_EXPLANATION_MAX = 200


@dataclass(slots=True)
class OpenCredit:
    credit: HouseCredit
    season_name: str  # the season whose true-up produced it


def credits_any_open() -> bool:
    return HouseCredit.objects.filter(consumed_by_bill__isnull=True, refundable=False).exists()


def credits_open(*, house_id_gt: int, house_id_lte: int, before, lock: bool) -> dict[int, list[OpenCredit]]:
    """Open, non-refundable credits of the houses in (house_id_gt, house_id_lte] from
    seasons that started before `before`, oldest first; locked when `lock` (real
    runs) so a concurrent true-up or run cannot use them twice."""
    qs = (HouseCredit.objects.filter(house_id__gt=house_id_gt, house_id__lte=house_id_lte,
                                     consumed_by_bill__isnull=True, refundable=False,
                                     season__heating_start__lt=before)
          .select_related("season").order_by("house_id", "season__heating_start", "id"))
    if lock:
        qs = qs.select_for_update(of=("self",))
    out: dict[int, list[OpenCredit]] = defaultdict(list)
    for credit in qs:
        out[credit.house_id].append(OpenCredit(credit, credit.season.name))
    return out


def credit_lines(lines: Sequence[Line],
                 credits: Sequence[OpenCredit]) -> tuple[list[Line], list[tuple[HouseCredit, int]]]:
    """A new bill's lines with its open credits applied, and the credits used: [(credit, fen used)]."""
    remaining = sum(line.amount_fen for line in lines)
    out, uses = list(lines), []
    for entry in credits:
        if remaining <= 0:
            break
        used = min(entry.credit.amount_fen, remaining)
        remaining -= used
        uses.append((entry.credit, used))
        if entry.credit.explanation:  # e.g. a room-temperature compensation (apps.services)
            text = f"{entry.credit.explanation}，本次抵扣{fen_to_yuan_str(used)}元"
        else:
            text = (f"上季结算多缴抵扣：{entry.season_name}采暖季多缴"
                    f"{fen_to_yuan_str(entry.credit.amount_fen)}元，本次抵扣{fen_to_yuan_str(used)}元")
        out.append(one_off_line(BillLine.Kind.CREDIT, -used, text))
    return out, uses


_CONSUME_SQL = f"""
UPDATE {HouseCredit._meta.db_table} c SET amount_fen = u.fen, consumed_by_bill_id = u.bill, updated_at = %s
FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS u(id, fen, bill)
WHERE c.id = u.id"""


def credits_consume(uses: Iterable[tuple[int, Sequence[tuple[HouseCredit, int]]]]) -> None:
    """Mark credits used by the bills created with their lines: [(bill_id, [(credit, fen)])]."""
    used, rests = [], []
    now = timezone.now()
    for bill_id, bill_uses in uses:
        for credit, fen in bill_uses:
            if fen < credit.amount_fen:
                rests.append(HouseCredit(house_id=credit.house_id, season_id=credit.season_id,
                                         amount_fen=credit.amount_fen - fen, refundable=False,
                                         source=credit.source, explanation=credit.explanation))
            credit.amount_fen, credit.consumed_by_bill_id, credit.updated_at = fen, bill_id, now
            used.append(credit)
    if used:  # one UPDATE from arrays: bulk_update's CASE per row and field costs more to build than to run
        with connection.cursor() as cur:
            cur.execute(_CONSUME_SQL, [now, [c.pk for c in used], [c.amount_fen for c in used],
                                       [c.consumed_by_bill_id for c in used]])
    if rests:
        HouseCredit.objects.bulk_create(rests)


def compensation_credit_add(*, house_id: int, season_id: int, amount_fen: int, explanation: str) -> HouseCredit:
    """A room-temperature compensation (apps.services.compensation) carried to the house's next bill: an open
    COMPENSATION credit the next bill run consumes as a `credit` line reading `explanation` (keep it short:
    the run appends "，本次抵扣…元" and a bill line holds 255 characters: at most CREDIT_EXPLANATION_MAX)."""
    return HouseCredit.objects.create(house_id=house_id, season_id=season_id, amount_fen=amount_fen,
                                      refundable=False, source=HouseCredit.Source.COMPENSATION,
                                      explanation=explanation[:CREDIT_EXPLANATION_MAX])
