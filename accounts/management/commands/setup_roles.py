from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.roles import ROLES
from accounts.services import apply_roles


class Command(BaseCommand):
    help = "Creates the staff role groups and gives each exactly its declared permissions."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = apply_roles(ROLES)
        except ValueError as error:
            raise CommandError(str(error)) from error
        for name, outcome in summary.items():
            verb = "created" if outcome["created"] else "updated"
            self.stdout.write(f"Role {name!r} {verb}: {outcome['permissions']} permissions")
