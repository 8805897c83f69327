from django.urls import path

from orders import api

urlpatterns = [
    path("orders", api.OrderListView.as_view(), name="order-list"),
    path("orders/<str:order_id>", api.OrderDetailView.as_view(), name="order-detail"),
    path("checkout", api.CheckoutView.as_view(), name="checkout"),
    path(
        "checkout/validate-discount",
        api.ValidateDiscountView.as_view(),
        name="checkout-validate-discount",
    ),
]
