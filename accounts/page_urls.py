"""Routes of accounts' server-rendered pages (under /account/)."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("verify-email", views.verify_email_page, name="account-verify-email"),
]
