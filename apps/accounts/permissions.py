"""What each staff role may do. GraphQL fields declare one of these sets
(`permissions=[HasRole(*LEDGER_EDIT)]`), and tests check every field against
every role."""

from .models import Role

ADMIN = (Role.TENANT_ADMIN,)
ALL_STAFF = (Role.TENANT_ADMIN, Role.COLLECTOR, Role.TECHNICIAN, Role.FINANCE)

LEDGER_VIEW = ALL_STAFF
LEDGER_EDIT = ADMIN
LEDGER_IMPORT = ADMIN
HEATING_STATUS_CHANGE = (Role.TENANT_ADMIN, Role.COLLECTOR)  # 报停 is filed at the counter
STAFF_MANAGE = ADMIN
AUDIT_VIEW = ADMIN  # the company's audit log
# Roles that see residents' full phone and ID numbers; everyone else sees them masked.
PII_FULL = (Role.TENANT_ADMIN, Role.COLLECTOR)

# Seasons, tariffs and bills
TARIFF_MANAGE = (Role.TENANT_ADMIN, Role.FINANCE)
BILL_RUN = (Role.TENANT_ADMIN, Role.FINANCE)
BILL_ADJUST = (Role.TENANT_ADMIN, Role.FINANCE)  # adjustments and waivers, with a reason
BILL_VIEW = ALL_STAFF
METER_READING = (Role.TENANT_ADMIN, Role.TECHNICIAN, Role.FINANCE)

# Payments
MERCHANT_MANAGE = ADMIN  # merchant accounts: keys and certificates
COUNTER_PAYMENT = (Role.TENANT_ADMIN, Role.COLLECTOR)
REFUND = (Role.TENANT_ADMIN, Role.FINANCE)
PAYMENT_VIEW = (Role.TENANT_ADMIN, Role.FINANCE, Role.COLLECTOR)
SHIFT_VIEW_ALL = (Role.TENANT_ADMIN, Role.FINANCE)  # collectors see their own shifts only

# Reports and the dashboard: the company's money per day and channel (collectors: their own counter money)
REPORT_VIEW = (Role.TENANT_ADMIN, Role.FINANCE)

# Statement reconciliation (对账): runs, differences and their resolution
RECONCILE = (Role.TENANT_ADMIN, Role.FINANCE)

# E-invoices (数电票): the list and files; retry, manual red reversal, settings and fee-item tax treatment
INVOICE_VIEW = (Role.TENANT_ADMIN, Role.FINANCE, Role.COLLECTOR)
INVOICE_MANAGE = (Role.TENANT_ADMIN, Role.FINANCE)

# Resident services (apps/services): tickets, room-temperature inspections and compensation, 报停 applications.
# Technicians see and work only the tickets assigned to them (selectors); admins dispatch (accept, assign, reject).
TICKET_VIEW = ALL_STAFF  # technicians: their assigned tickets only; finance: read-only
TICKET_CREATE = (Role.TENANT_ADMIN, Role.COLLECTOR)  # filed for a caller (phone, counter)
TICKET_DISPATCH = ADMIN
TICKET_WORK = (Role.TENANT_ADMIN, Role.TECHNICIAN)  # on site, inspection, resolve (technicians: assigned only)
COMPENSATION_VIEW = (Role.TENANT_ADMIN, Role.FINANCE)
COMPENSATION_APPROVE = (Role.TENANT_ADMIN, Role.FINANCE)
QUALITY_MANAGE = ADMIN  # room-temperature rules, ticket categories and SLAs, service settings
OPT_OUT_VIEW = (Role.TENANT_ADMIN, Role.COLLECTOR, Role.TECHNICIAN, Role.FINANCE)
OPT_OUT_REVIEW = (Role.TENANT_ADMIN, Role.COLLECTOR)  # approve / reject; file one at the counter
OPT_OUT_SEAL = (Role.TENANT_ADMIN, Role.TECHNICIAN)  # 施封 / 启封 on site

# Messaging (apps/messaging): announcements, the knowledge base, templates and settings, campaigns, the outbox.
ANNOUNCEMENT_MANAGE = (Role.TENANT_ADMIN,)  # write, target, schedule, pin, withdraw; read counts
KB_MANAGE = (Role.TENANT_ADMIN,)
MESSAGING_MANAGE = (Role.TENANT_ADMIN,)  # templates (WeChat / SMS), quiet hours, caps, SMS signature
CAMPAIGN_MANAGE = (Role.TENANT_ADMIN, Role.FINANCE)  # bill-published notices and payment-due reminders
MESSAGE_VIEW = (Role.TENANT_ADMIN, Role.FINANCE, Role.COLLECTOR)  # the outbox and its deliveries (masked)
