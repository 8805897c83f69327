from django.urls import path

from accounts import api, me_api

urlpatterns = [
    path("auth/register", api.RegisterView.as_view(), name="auth-register"),
    path("auth/login", api.LoginView.as_view(), name="auth-login"),
    path("auth/refresh", api.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout", api.LogoutView.as_view(), name="auth-logout"),
    path("auth/verify-email", api.VerifyEmailView.as_view(), name="auth-verify-email"),
    path(
        "auth/verify-email/resend",
        api.ResendVerificationView.as_view(),
        name="auth-verify-email-resend",
    ),
    path("me", me_api.MeView.as_view(), name="me"),
    path("me/export", me_api.MyDataExportView.as_view(), name="me-export"),
]
