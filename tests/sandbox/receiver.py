"""A stand-in for HIROAM's webhook endpoints: records what arrives, answers as configured."""

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from hiroam.urls import urlpatterns as product_urlpatterns

RECEIVED_KEY = "test:webhooks-received"
STATUS_KEY = "test:webhook-status"


@csrf_exempt
def receive(request: HttpRequest) -> HttpResponse:
    received = cache.get(RECEIVED_KEY, [])
    received.append({"headers": dict(request.headers), "body": request.body.decode()})
    cache.set(RECEIVED_KEY, received)
    return HttpResponse(status=cache.get(STATUS_KEY, 200))


urlpatterns = [path("test/webhooks", receive), *product_urlpatterns]
