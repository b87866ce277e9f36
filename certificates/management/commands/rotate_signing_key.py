"""Start a new Open Badges signing key; the previous one is retired but stays published."""

from django.core.management.base import BaseCommand

from certificates import openbadges
from network import audit


class Command(BaseCommand):
    help = "Create a new RSA key for signing Open Badges (older credentials keep verifying)."

    def handle(self, *args, **options):
        key = openbadges.create_key()
        audit.record("certificates.key_rotate", key, origin="shell")
        self.stdout.write(f"New signing key: {openbadges.key_url(key.kid)}")
