import sys

from django.core.management.base import BaseCommand, CommandError, no_translations

from network.exceptions import NetworkError
from network.privacy_services import erase_person, find_person


class Command(BaseCommand):
    help = (
        "Erase everything held about a person, then their account (irreversible). PERSON is a "
        "username or an e-mail address, in any case. Asks to type the username unless --yes."
    )

    def add_arguments(self, parser):
        parser.add_argument("person", help="username or e-mail address")
        parser.add_argument(
            "--yes", action="store_true", help="do not ask for confirmation (for scripts)"
        )

    @no_translations  # English output, whatever the site's language
    def handle(self, *args, **options):
        try:
            user = find_person(options["person"])
        except NetworkError as error:
            raise CommandError(f"{options['person']!r}: {error.message}") from None
        username = user.get_username()
        if not options["yes"]:
            if not sys.stdin.isatty():
                raise CommandError(
                    "Refusing to erase without confirmation: run it in a terminal, or pass --yes."
                )
            self.stdout.write(
                f"This erases the account {username!r} and everything held about it. "
                "It cannot be undone."
            )
            typed = input("Type the username to confirm: ").strip()
            if typed != username:
                raise CommandError("The username does not match: nothing was erased.")
        counts = erase_person(user, origin="shell")
        touched = {label: count for label, count in counts.items() if count}
        for label, count in sorted(touched.items()):
            self.stdout.write(f"  {label}: {count}")
        self.stdout.write(self.style.SUCCESS(f"Erased {username!r}."))
