from django.urls import path

from orders.webhooks import esim_access_webhook, paddle_webhook

urlpatterns = [
    path("paddle", paddle_webhook, name="paddle-webhook"),
    path("esim-access", esim_access_webhook, name="esim-access-webhook"),
]
