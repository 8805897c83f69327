from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Accounts sits below orders and cannot import it: orders listens for verified emails
        # (guest orders join the account) and registers its part of a customer's data.
        from accounts.data_rights import register_data_section
        from accounts.signals import email_verified
        from orders.data_rights import SECTIONS
        from orders.services.guest_orders import link_guest_orders_on_verification

        email_verified.connect(
            link_guest_orders_on_verification, dispatch_uid="orders.link_guest_orders"
        )
        for section in SECTIONS:
            register_data_section(section)
