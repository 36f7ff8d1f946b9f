"""GraphQL schema served on every company domain (that company's schema)."""

import graphene

from .accounts.mutations import SessionMutations, StaffLogin, StaffMutations
from .accounts.queries import MeQueries, StaffQueries
from .audit.queries import AuditQueries
from .billing.mutations import BillingMutations, BillRunMutations
from .billing.queries import BillingQueries, BillRunQueries
from .branding.mutations import BrandingMutations
from .branding.queries import BrandingQueries
from .imports.mutations import ImportMutations
from .imports.queries import ImportQueries
from .invoices.mutations import InvoiceMutations
from .invoices.queries import InvoiceQueries
from .messaging.campaigns import CampaignMutations, CampaignQueries
from .messaging.content import ContentMutations, ContentQueries
from .messaging.outbox import OutboxMutations, OutboxQueries
from .payments.mutations import CounterMutations, MerchantMutations, PaymentMutations
from .payments.queries import CounterQueries, PaymentQueries
from .properties.mutations import LedgerMutations
from .properties.queries import LedgerQueries
from .reconciliation.daily_close import DailyCloseMutations, DailyCloseQueries
from .reconciliation.mutations import ReconciliationMutations
from .reconciliation.queries import ReconciliationQueries
from .reports.finance import FinanceReportQueries, ReportExportMutations
from .reports.queries import ReportQueries
from .residents.mutations import ResidentAuthMutations
from .residents.queries import ResidentQueries
from .services.optout import OptOutMutations, OptOutQueries
from .services.quality import QualityMutations, QualityQueries
from .services.tickets import TicketMutations, TicketQueries
from .tariffs.mutations import TariffMutations
from .tariffs.queries import TariffQueries


# New domains go first: graphene lists the last base's fields first, so the committed SDL only grows at the end.
class Query(OutboxQueries, ContentQueries, CampaignQueries,
            TicketQueries, QualityQueries, OptOutQueries, InvoiceQueries,
            MeQueries, StaffQueries, LedgerQueries, ResidentQueries, ImportQueries, TariffQueries,
            BillingQueries, BillRunQueries, PaymentQueries, CounterQueries, BrandingQueries, ReportQueries,
            AuditQueries, ReconciliationQueries, DailyCloseQueries, FinanceReportQueries, graphene.ObjectType):
    pass


class Mutation(OutboxMutations, ContentMutations, CampaignMutations,
               TicketMutations, QualityMutations, OptOutMutations, InvoiceMutations,
               SessionMutations, ResidentAuthMutations, LedgerMutations, StaffMutations,
               ImportMutations, TariffMutations, BillingMutations, BillRunMutations, PaymentMutations,
               MerchantMutations, CounterMutations, BrandingMutations, ReconciliationMutations, DailyCloseMutations,
               ReportExportMutations, graphene.ObjectType):
    staff_login = StaffLogin.Field()


schema = graphene.Schema(query=Query, mutation=Mutation)
