from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from hub.demo import agenda, certificates, groups, history, network, site, training


class Command(BaseCommand):
    help = (
        "Load the demo network (idempotent, deterministic for a given day, fake people only). "
        "Refused unless MAILLAGE_ALLOW_DEMO_DATA is on (dev and test settings)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet-accounts", action="store_true", help="do not list accounts")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="only when the database has no user yet (used by `make run`)",
        )

    def handle(self, *args, **options):
        if not settings.MAILLAGE_ALLOW_DEMO_DATA:
            raise CommandError(
                "Demo data is refused on this installation: its accounts share a known password. "
                "Use the dev settings (DJANGO_SETTINGS_MODULE=hub.settings.dev)."
            )
        if options["if_empty"] and get_user_model().objects.exists():
            self.stdout.write("The database already has users: demo data not loaded.")
            self._list_accounts()
            return
        today = timezone.localdate()
        with transaction.atomic():
            site.load_site(today)
            site.load_accounts()
            communes = network.load_communes()
            organisations = network.load_organisations(communes)
            network.load_members(communes, organisations, today)
            agenda.load_agenda(communes, today)
            training.load_training(communes, organisations, today)
            certificates.load_certificates(communes, today)
            groups.load_groups(communes, today)
            history.load_history(communes, organisations, today)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        if not options["quiet_accounts"]:
            self._list_accounts()

    def _list_accounts(self) -> None:
        self.stdout.write(f"Demo accounts (password: {settings.MAILLAGE_DEMO_PASSWORD}):")
        for account in site.DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.username:<16} {account.description}")
        self.stdout.write("Front end: http://127.0.0.1:8000/connexion/  Admin: /admin/")
