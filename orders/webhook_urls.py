from django.urls import path

from orders.webhooks import paddle_webhook

urlpatterns = [
    path("paddle", paddle_webhook, name="paddle-webhook"),
]
