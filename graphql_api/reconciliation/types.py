import graphene

from apps.reconciliation.errors import ReconciliationErrorCode as _Code
from apps.reconciliation.models import Difference as _Difference
from apps.reconciliation.models import StatementEntry as _Entry
from apps.reconciliation.models import StatementRun as _Run
from apps.reconciliation.resolution import AUTO_REVERTED, AUTO_SETTLED, auto_action_done
from apps.reconciliation.selectors import difference_counts, difference_list, merchant_account_label

from ..core.mutations import error_type
from ..core.pagination import MAX_PAGE
from ..core.scalars import Date, DateTime
from ..payments.types import MerchantChannel, MerchantMode

ReconciliationErrorCode = graphene.Enum.from_enum(_Code, name="ReconciliationErrorCode")
ReconciliationError = error_type("ReconciliationError", ReconciliationErrorCode)

StatementRunStatus = graphene.Enum.from_enum(
    _Run.Status, name="StatementRunStatus",
    description="PENDING → FETCHED (file downloaded, hash checked) → PARSED (rows equal the file's summary) → "
                "MATCHED (differences found) → CLOSED (every difference resolved); FAILED keeps its error")
StatementKind = graphene.Enum.from_enum(_Run.Kind, name="StatementKind",
                                        description="TRADE: the trade bill; FUNDFLOW: WeChat Pay's fund-flow bill")
StatementSubject = graphene.Enum.from_enum(_Entry.Kind, name="StatementSubject")
StatementDifferenceKind = graphene.Enum.from_enum(
    _Difference.Kind, name="StatementDifferenceKind",
    description="CHANNEL_ONLY 长款 (the channel has money we did not record), LOCAL_ONLY 短款, AMOUNT_MISMATCH, "
                "STATUS_MISMATCH, FEE_MISMATCH, CROSS_DAY (paid near midnight, booked on the other day)")
StatementDifferenceStatus = graphene.Enum.from_enum(
    _Difference.Status, name="StatementDifferenceStatus",
    description="OPEN (finance must resolve it), RESOLVED, CARRIED (cross-day: left for the adjacent day's run), "
                "CLEARED (cross-day: found in the adjacent day's bill). Only OPEN blocks closing the run.")
StatementDifferenceResolution = graphene.Enum.from_enum(
    _Difference.Resolution, name="StatementDifferenceResolution",
    description="SETTLED / REVERTED only when matching settled / reverted the order itself (see autoAction); "
                "otherwise ACCEPT_CHANNEL, ACCEPT_LOCAL, ADJUSTED or OTHER")

MANUAL_RESOLUTIONS = [_Difference.Resolution.ACCEPT_CHANNEL, _Difference.Resolution.ACCEPT_LOCAL,
                      _Difference.Resolution.ADJUSTED, _Difference.Resolution.OTHER]


def _name(user) -> str | None:
    return user.shown_name if user is not None else None


class StatementSummary(graphene.ObjectType):
    """The file's own totals (its summary line), which the parsed rows equal."""

    count = graphene.Int(required=True, description="Rows")
    paid_fen = graphene.BigInt(required=True)
    refunded_fen = graphene.BigInt(required=True)
    fee_fen = graphene.BigInt(required=True, description="Net fee charged")


class StatementDifferenceCount(graphene.ObjectType):
    kind = graphene.Field(StatementDifferenceKind, required=True)
    total = graphene.Int(required=True)
    open = graphene.Int(required=True)
    resolved = graphene.Int(required=True)
    carried = graphene.Int(required=True, description="Cross-day rows CARRIED or CLEARED (not to resolve)")


class StatementDifference(graphene.ObjectType):
    """A disagreement between a provider's bill and the ledger, and how finance resolved it."""

    id = graphene.ID(required=True)
    run_id = graphene.ID(required=True)
    bill_date = Date(required=True, description="Its run's bill date")
    channel = graphene.Field(MerchantChannel, required=True, description="Its run's channel")
    run_status = graphene.Field(StatementRunStatus, required=True)
    kind = graphene.Field(StatementDifferenceKind, required=True)
    subject = graphene.Field(StatementSubject, required=True, description="A payment or a refund")
    out_trade_no = graphene.String(required=True, description="商户订单号")
    out_refund_no = graphene.String(description="商户退款单号 (refunds)")
    order_id = graphene.ID(description="The local payment order, when there is one")
    refund_id = graphene.ID(description="The local refund, when there is one")
    channel_amount_fen = graphene.Int(description="What the bill says; null when the bill has no row")
    local_amount_fen = graphene.Int(description="What the ledger says; null when it has nothing")
    channel_fee_fen = graphene.Int()
    expected_fee_fen = graphene.Int(description="Amount × the merchant account's fee rate, rounded half up")
    channel_status = graphene.String()
    local_status = graphene.String()
    auto_action = graphene.String(description="What the system did on its own (queried, settled, reverted)")
    status = graphene.Field(StatementDifferenceStatus, required=True)
    resolution = graphene.Field(StatementDifferenceResolution)
    note = graphene.String()
    resolved_by = graphene.String(description="Display name of who resolved it")
    resolved_at = DateTime()
    carried_to_run_id = graphene.ID(description="Cross-day: the adjacent day's run that finds / found it")
    created_at = DateTime(required=True)
    allowed_resolutions = graphene.List(
        graphene.NonNull(StatementDifferenceResolution), required=True,
        description="What resolveStatementDifference accepts for it now (empty unless OPEN)")

    @staticmethod
    def resolve_bill_date(root, info):
        return root.run.bill_date  # select_related by the selector

    @staticmethod
    def resolve_channel(root, info):
        return root.run.channel

    @staticmethod
    def resolve_run_status(root, info):
        return root.run.status

    @staticmethod
    def resolve_out_refund_no(root, info):
        return root.out_refund_no or None

    @staticmethod
    def resolve_channel_status(root, info):
        return root.channel_status or None

    @staticmethod
    def resolve_local_status(root, info):
        return root.local_status or None

    @staticmethod
    def resolve_auto_action(root, info):
        return root.auto_action or None

    @staticmethod
    def resolve_resolution(root, info):
        return root.resolution or None

    @staticmethod
    def resolve_note(root, info):
        return root.note or None

    @staticmethod
    def resolve_resolved_by(root, info):
        return _name(root.resolved_by)

    @staticmethod
    def resolve_allowed_resolutions(root, info):
        if root.status != _Difference.Status.OPEN:
            return []
        done = auto_action_done(root)
        auto = {AUTO_SETTLED: [_Difference.Resolution.SETTLED],
                AUTO_REVERTED: [_Difference.Resolution.REVERTED]}.get(done, [])
        return [*auto, *MANUAL_RESOLUTIONS]


class StatementDifferencePage(graphene.ObjectType):
    total_count = graphene.Int(required=True)
    items = graphene.List(graphene.NonNull(StatementDifference), required=True)


def offset_page(qs, offset, limit, default=50):
    limit = default if limit is None else max(0, min(limit, MAX_PAGE))
    offset = max(0, offset or 0)
    return {"total_count": qs.count(), "items": list(qs[offset:offset + limit])}


class StatementRun(graphene.ObjectType):
    """One provider bill of one merchant account for one day, and what matching found."""

    id = graphene.ID(required=True)
    merchant_account_id = graphene.ID(required=True)
    channel = graphene.Field(MerchantChannel, required=True)
    merchant_id = graphene.String(required=True, description="mchid / sub_mchid / Alipay app id the bill is for")
    kind = graphene.Field(StatementKind, required=True)
    bill_date = Date(required=True)
    status = graphene.Field(StatementRunStatus, required=True)
    error_code = graphene.String(description="Why the last attempt failed (provider or format code)")
    error = graphene.String(description="The failure, for finance")
    attempts = graphene.Int(required=True)
    file_sha1 = graphene.String(description="SHA1 of the decompressed bill")
    file_size = graphene.Int(description="Bytes of the file as downloaded")
    file_url = graphene.String(description="The raw file as downloaded (gzip / zip): GET with the Bearer token "
                                           "(finance and admins); null before it is fetched")
    summary = graphene.Field(StatementSummary, description="The file's own totals; null before it is parsed")
    matched_count = graphene.Int(description="Rows that agree with the ledger; null before matching")
    channel_paid_fen = graphene.BigInt(description="Payments on the bill; null before matching")
    local_paid_fen = graphene.BigInt(description="Payments in the ledger for the day; null before matching")
    channel_refunded_fen = graphene.BigInt(description="Refunds on the bill; null before matching")
    local_refunded_fen = graphene.BigInt(description="Refunds in the ledger for the day; null before matching")
    channel_fee_fen = graphene.BigInt(description="Net fee on the bill; null before matching")
    open_difference_count = graphene.Int(required=True, description="Differences still OPEN (block closing)")
    difference_counts = graphene.List(graphene.NonNull(StatementDifferenceCount), required=True,
                                      description="By kind, kinds with none left out")
    can_close = graphene.Boolean(required=True, description="MATCHED with no OPEN difference")
    started_by = graphene.String(description="Who started it; null for the daily schedule")
    closed_by = graphene.String()
    created_at = DateTime(required=True)
    fetched_at = DateTime()
    parsed_at = DateTime()
    matched_at = DateTime()
    closed_at = DateTime()
    differences = graphene.Field(
        StatementDifferencePage, required=True, status=StatementDifferenceStatus(), kind=StatementDifferenceKind(),
        offset=graphene.Int(default_value=0), limit=graphene.Int(default_value=50),
        description=f"This run's differences in order, at most {MAX_PAGE} a page (ask it of one run: in a list "
                    "of runs use differenceCounts)")

    @staticmethod
    def resolve_error_code(root, info):
        return root.error_code or None

    @staticmethod
    def resolve_error(root, info):
        return root.error or None

    @staticmethod
    def resolve_file_sha1(root, info):
        return root.file_sha1 or None

    @staticmethod
    def resolve_file_size(root, info):
        return root.file_size if root.file_path else None

    @staticmethod
    def resolve_file_url(root, info):
        return f"/files/statements/{root.pk}/" if root.file_path else None

    @staticmethod
    def resolve_summary(root, info):
        s = root.summary or {}
        if "count" not in s:
            return None
        return StatementSummary(count=s["count"], paid_fen=s.get("paid_fen", 0), refunded_fen=s.get("refunded_fen", 0),
                                fee_fen=s.get("fee_fen", 0))

    @staticmethod
    def resolve_matched_count(root, info):
        return (root.totals or {}).get("matched")

    @staticmethod
    def resolve_channel_paid_fen(root, info):
        return (root.totals or {}).get("channel_paid_fen")

    @staticmethod
    def resolve_local_paid_fen(root, info):
        return (root.totals or {}).get("local_paid_fen")

    @staticmethod
    def resolve_channel_refunded_fen(root, info):
        return (root.totals or {}).get("channel_refunded_fen")

    @staticmethod
    def resolve_local_refunded_fen(root, info):
        return (root.totals or {}).get("local_refunded_fen")

    @staticmethod
    def resolve_channel_fee_fen(root, info):
        return (root.totals or {}).get("channel_fee_fen")

    @staticmethod
    def resolve_open_difference_count(root, info):
        count = getattr(root, "open_differences", None)  # annotated by the selectors
        if count is None:
            count = root.differences.filter(status=_Difference.Status.OPEN).count()
        return count

    @staticmethod
    def resolve_difference_counts(root, info):
        counts = getattr(root, "kind_counts", None)  # set for a whole page by with_counts
        if counts is None:
            counts = difference_counts([root.pk]).get(root.pk, [])
        return counts

    @staticmethod
    def resolve_can_close(root, info):
        return root.status == _Run.Status.MATCHED and StatementRun.resolve_open_difference_count(root, info) == 0

    @staticmethod
    def resolve_started_by(root, info):
        return _name(root.started_by)

    @staticmethod
    def resolve_closed_by(root, info):
        return _name(root.closed_by)

    @staticmethod
    def resolve_differences(root, info, status=None, kind=None, offset=0, limit=50):
        qs = difference_list(run_id=root.pk, status=status.value if status else None,
                             kind=kind.value if kind else None)
        return StatementDifferencePage(**offset_page(qs, offset, limit))


def with_counts(runs: list) -> list:
    """Counts by kind for a whole page of runs in one query."""
    counts = difference_counts([r.pk for r in runs])
    for run in runs:
        run.kind_counts = counts.get(run.pk, [])
    return runs


class StatementRunPage(graphene.ObjectType):
    total_count = graphene.Int(required=True)
    items = graphene.List(graphene.NonNull(StatementRun), required=True)


class ReconciliationMerchantAccount(graphene.ObjectType):
    """A merchant account of the company a statement run can be started for (no credentials)."""

    id = graphene.ID(required=True)
    channel = graphene.Field(MerchantChannel, required=True)
    mode = graphene.Field(MerchantMode, required=True)
    is_active = graphene.Boolean(required=True)
    label = graphene.String(required=True,
                            description="Channel · mode · masked merchant id, e.g. 微信支付 · 直连商户 · 19******01")
    kinds = graphene.List(graphene.NonNull(StatementKind), required=True,
                          description="Bills this channel has (WeChat Pay: TRADE and FUNDFLOW; Alipay: TRADE)")

    @staticmethod
    def resolve_label(root, info):
        return merchant_account_label(root)

    @staticmethod
    def resolve_kinds(root, info):
        return [_Run.Kind.TRADE, _Run.Kind.FUNDFLOW] if root.channel == _Run.Channel.WECHAT else [_Run.Kind.TRADE]
