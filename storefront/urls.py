"""The shop's pages. Paths carry no trailing slash, like the links in our emails
(/orders/{id}?token=...)."""

from django.urls import path

from storefront.views import (
    account_pages,
    basket_pages,
    catalog_pages,
    checkout_pages,
    order_pages,
    payment_pages,
    site,
)

app_name = "storefront"

urlpatterns = [
    path("", catalog_pages.home, name="home"),
    path("packages", catalog_pages.package_list, name="packages"),
    path("packages/<str:key>", catalog_pages.package_detail, name="package"),
    path("destinations/<str:country>", catalog_pages.package_list, name="destination"),
    path("regions/<str:region>", catalog_pages.package_list, name="region"),
    path("currency/<str:currency>", site.choose_currency, name="currency"),
    path("basket", basket_pages.basket_page, name="basket"),
    path("basket/add", basket_pages.add_to_basket, name="basket-add"),
    path("basket/update", basket_pages.update_basket, name="basket-update"),
    path("checkout", checkout_pages.checkout_page, name="checkout"),
    path("orders/<uuid:order_id>", order_pages.order_page, name="order"),
    path("orders/<uuid:order_id>/status", order_pages.order_status, name="order-status"),
    path("pay", payment_pages.pay, name="pay"),
    path("account", account_pages.account, name="account"),
    path("account/points", account_pages.points, name="points"),
    path("account/sign-in", account_pages.sign_in, name="sign-in"),
    path("account/sign-up", account_pages.sign_up, name="sign-up"),
    path("account/sign-out", account_pages.sign_out, name="sign-out"),
    path("account/password-reset", account_pages.password_reset, name="password-reset"),
    path(
        "account/reset/<uidb64>/<token>",
        account_pages.PasswordResetConfirm.as_view(),
        name="password-reset-confirm",
    ),
    path("account/my-data", account_pages.download_data, name="my-data"),
    path("account/delete", account_pages.delete_account, name="delete-account"),
    path("robots.txt", site.robots_txt, name="robots"),
    path("sitemap.xml", site.sitemap_xml, name="sitemap"),
]
