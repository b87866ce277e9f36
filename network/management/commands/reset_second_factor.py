"""Reset a person's second factor from a shell (a superuser who lost the phone and codes)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from network import second_factor


class Command(BaseCommand):
    help = "Delete a person's second factor and end their sessions: they enrol again."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = get_user_model()._default_manager.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        second_factor.reset(user, origin="shell")
        self.stdout.write(f"The second factor of {username} is reset.")
