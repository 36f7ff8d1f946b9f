"""What each staff role must see in the console: its menu, the routes behind it, its dashboard parts.
Shared by the browser tests; update it when a page is added or its roles change (src/access.ts)."""

# What each role finds in its side menu, in order. The roles come from apps/console/web/src/access.ts
# (checked against the API's declarations by access.test.ts); page authors add their page here.
MENUS = {
    "TENANT_ADMIN": ["dashboard", "houses", "imports", "seasons", "billRuns", "bills", "counter", "orders",
                     "invoices", "reconciliation", "dailyClose", "reports", "tickets", "workQueue",
                     "serviceDashboard", "compensations", "optOuts", "serviceSettings",
                     "announcements", "knowledgeBase", "campaigns", "outbox", "messagingSettings", "settings",
                     "audit"],
    "COLLECTOR": ["dashboard", "houses", "bills", "counter", "invoices", "tickets", "serviceDashboard", "optOuts",
                  "outbox"],
    "TECHNICIAN": ["dashboard", "houses", "bills", "workQueue", "optOuts"],
    "FINANCE": ["dashboard", "houses", "seasons", "billRuns", "bills", "orders", "invoices", "reconciliation",
                "dailyClose", "reports", "tickets", "serviceDashboard", "compensations", "optOuts", "campaigns",
                "outbox"],
}
# Routes of the staff console by menu key, for the 403 check of pages outside a role's menu.
PATHS = {"dashboard": "/console/", "houses": "/console/houses", "imports": "/console/imports",
         "seasons": "/console/seasons", "billRuns": "/console/bill-runs", "bills": "/console/bills",
         "counter": "/console/counter", "orders": "/console/orders", "invoices": "/console/invoices",
         "reconciliation": "/console/reconciliation", "dailyClose": "/console/daily-close",
         "reports": "/console/reports", "tickets": "/console/tickets", "workQueue": "/console/my-work",
         "serviceDashboard": "/console/service-dashboard",
         "compensations": "/console/compensations", "optOuts": "/console/opt-outs",
         "serviceSettings": "/console/service-settings",
         "announcements": "/console/announcements", "knowledgeBase": "/console/knowledge-base",
         "campaigns": "/console/campaigns", "outbox": "/console/outbox",
         "messagingSettings": "/console/messaging-settings",
         "settings": "/console/settings", "audit": "/console/audit"}
# Dashboard parts (data-testid) each role sees; the others must be absent.
PARTS = {"chart-collections-by-day": {"TENANT_ADMIN", "FINANCE", "COLLECTOR"},
         "active-bill-runs": {"TENANT_ADMIN", "FINANCE"},
         "active-imports": {"TENANT_ADMIN"},
         "recent-refunds": {"TENANT_ADMIN", "FINANCE", "COLLECTOR"}}
