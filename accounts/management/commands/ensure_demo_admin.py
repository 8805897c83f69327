from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.models import User

DEMO_EMAIL = "admin@hiroam.local"


class Command(BaseCommand):
    help = (
        "Creates a demo super admin when the database has no user yet (development only, "
        "unless DEMO_ADMIN_PASSWORD is set) and prints the credentials."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.exists():
            return
        password = getattr(settings, "DEMO_ADMIN_PASSWORD", "")
        if not password:
            if not settings.DEBUG:
                self.stdout.write("No user yet; set DEMO_ADMIN_PASSWORD or run createsuperuser.")
                return
            password = "hiroam-demo-admin"  # noqa: S105 (development default, printed below)
        User.objects.create_superuser(DEMO_EMAIL, password, full_name="Demo Admin")
        login_url = f"{settings.APP_URL}/admin/"
        message = f"Demo admin created: log in at {login_url} as {DEMO_EMAIL} / {password}"
        self.stdout.write(self.style.SUCCESS(message))
