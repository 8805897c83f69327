"""GET /metrics: Prometheus's text format, for a bearer token (METRICS_TOKEN) or an address
in METRICS_ALLOWED_IPS; anyone else gets a plain 404, as if there were nothing here."""

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from hiroam.api.client_ip import client_ip
from monitoring.collectors import BusinessState, RecordedMetrics


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token and offered and hmac.compare_digest(offered.encode(), token.encode()):
        return True
    return client_ip(request) in settings.METRICS_ALLOWED_IPS


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        raise Http404("No such page")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(RecordedMetrics())
    registry.register(BusinessState(timezone.now))
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
