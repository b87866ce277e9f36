from django.core.management.base import BaseCommand

from network.roles import setup_roles


class Command(BaseCommand):
    help = "Create or update the role groups and their permissions (idempotent)."

    def handle(self, *args, **options):
        groups = setup_roles()
        if options["verbosity"] < 1:
            return
        for group in groups:
            self.stdout.write(f"{group.name}: {group.permissions.count()} permission(s)")
