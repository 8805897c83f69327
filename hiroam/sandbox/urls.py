from django.urls import path

from hiroam.sandbox import views

urlpatterns = [
    path("esim-access/api/v1/open/<path:path>", views.esim_access_api, name="sandbox-esim-access"),
    path("esim-access/qr/<str:esim_tran_no>.png", views.esim_qr_code, name="sandbox-esim-qr"),
    path("paddle/transactions", views.paddle_transactions, name="sandbox-paddle-transactions"),
    path(
        "paddle/transactions/<str:transaction_id>",
        views.paddle_transaction,
        name="sandbox-paddle-transaction",
    ),
    path("paddle/adjustments", views.paddle_adjustments, name="sandbox-paddle-adjustments"),
    path("paddle/checkout", views.paddle_checkout, name="sandbox-paddle-checkout"),
]
