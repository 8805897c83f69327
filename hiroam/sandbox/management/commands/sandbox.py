from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from hiroam.sandbox import lifecycle
from hiroam.sandbox.faults import inject_fault
from hiroam.sandbox.models import EsimAccessAccount, EsimProfile, Fault


class Command(BaseCommand):
    help = "Controls the provider sandbox: profile lifecycle, injected faults, the eSIM balance."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="command", required=True)
        advance = commands.add_parser("advance", help="Move a profile one step through its life.")
        advance.add_argument("esim_tran_no")
        advance.add_argument("step", choices=lifecycle.STEPS)
        fault = commands.add_parser("fault", help="Make the next calls or webhooks misbehave.")
        fault.add_argument("target", choices=Fault.Target.values)
        fault.add_argument("kind", choices=Fault.Kind.values)
        fault.add_argument("--count", type=int, default=1)
        fault.add_argument("--path", default="", help="only calls to this path, e.g. esim/order")
        commands.add_parser("faults", help="List injected faults.").add_argument(
            "--clear", action="store_true"
        )
        balance = commands.add_parser("balance", help="Show or set the eSIM Access balance.")
        balance.add_argument("--set-cents", type=int)
        profiles = commands.add_parser("profiles", help="List profiles.")
        profiles.add_argument("--order", help="an orderNo")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['command']}")(options)

    def _advance(self, options: dict[str, Any]) -> None:
        try:
            profile = lifecycle.advance_profile(
                options["esim_tran_no"], options["step"], now=timezone.now()
            )
        except lifecycle.LifecycleError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{profile.esim_tran_no}: {profile.esim_status} / {profile.smdp_status}")

    def _fault(self, options: dict[str, Any]) -> None:
        fault = inject_fault(
            target=options["target"],
            kind=options["kind"],
            count=options["count"],
            path=options["path"],
        )
        self.stdout.write(f"Injected: {fault}")

    def _faults(self, options: dict[str, Any]) -> None:
        if options["clear"]:
            Fault.objects.all().delete()
        for fault in Fault.objects.order_by("id"):
            self.stdout.write(str(fault))

    def _balance(self, options: dict[str, Any]) -> None:
        for account in EsimAccessAccount.objects.all():
            if options["set_cents"] is not None:
                account.balance_units = options["set_cents"] * 100
                account.save(update_fields=["balance_units"])
            self.stdout.write(f"{account.access_code}: {account.balance_units / 10000:.4f} USD")

    def _profiles(self, options: dict[str, Any]) -> None:
        profiles = EsimProfile.objects.select_related("order").order_by("-id")
        if options["order"]:
            profiles = profiles.filter(order__order_no=options["order"])
        for profile in profiles[:50]:
            self.stdout.write(
                f"{profile.esim_tran_no} {profile.order.order_no} {profile.package_code} "
                f"{profile.esim_status}/{profile.smdp_status}"
            )
