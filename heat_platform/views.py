from django.db import connection
from django.http import JsonResponse


def health(request):
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"status": "ok", "tenant": getattr(request, "tenant", None) and request.tenant.slug})
