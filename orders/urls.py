from django.urls import path

from orders import api

urlpatterns = [
    path("checkout", api.CheckoutView.as_view(), name="checkout"),
    path(
        "checkout/validate-discount",
        api.ValidateDiscountView.as_view(),
        name="checkout-validate-discount",
    ),
]
