from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.models import User

DEMO_EMAIL = "admin@hiroam.local"
DEVELOPMENT_PASSWORD = "hiroam-demo-admin"  # noqa: S105 (DEBUG only, and printed)


class Command(BaseCommand):
    help = (
        "Creates a demo super admin when the database has no user yet (development only, "
        "unless DEMO_ADMIN_PASSWORD is set) and prints how to log in (the password only when "
        "it is the development default)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.exists():
            return
        given_password = getattr(settings, "DEMO_ADMIN_PASSWORD", "")
        if not given_password and not settings.DEBUG:
            self.stdout.write("No user yet; set DEMO_ADMIN_PASSWORD or run createsuperuser.")
            return
        password = given_password or DEVELOPMENT_PASSWORD
        User.objects.create_superuser(DEMO_EMAIL, password, full_name="Demo Admin")
        if given_password:  # the operator's own password never reaches a terminal or a log
            credentials = f"{DEMO_EMAIL} (the password in DEMO_ADMIN_PASSWORD)"
        else:
            credentials = f"{DEMO_EMAIL} / {DEVELOPMENT_PASSWORD}"
        message = f"Demo admin created: log in at {settings.APP_URL}/admin/ as {credentials}"
        self.stdout.write(self.style.SUCCESS(message))
