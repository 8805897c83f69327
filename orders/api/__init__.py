"""The orders app's API: checkout (and promo code validation), and customers' orders."""

from orders.api.checkout import CheckoutView, ValidateDiscountView
from orders.api.customer_orders import OrderDetailView, OrderListView

__all__ = ["CheckoutView", "OrderDetailView", "OrderListView", "ValidateDiscountView"]
