from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, no_translations

from network.exceptions import NetworkError
from network.privacy_services import export_filename, export_person, find_person


class Command(BaseCommand):
    help = (
        "Write a ZIP archive of everything held about a person (donnees.json and a French "
        "summary). PERSON is a username or an e-mail address, in any case."
    )

    def add_arguments(self, parser):
        parser.add_argument("person", help="username or e-mail address")
        parser.add_argument(
            "--output",
            "-o",
            help="file to write (default: export-<username>-<date>.zip in the current directory)",
        )

    @no_translations  # English output, whatever the site's language
    def handle(self, *args, **options):
        try:
            user = find_person(options["person"])
        except NetworkError as error:
            raise CommandError(f"{options['person']!r}: {error.message}") from None
        path = Path(options["output"] or export_filename(user))
        archive = export_person(user, origin="shell")
        try:
            path.write_bytes(archive)
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror}") from None
        self.stdout.write(f"Wrote {path} ({len(archive)} bytes).")
