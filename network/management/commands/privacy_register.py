from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from network.processing_record import DPIA_FILENAME, RECORD_FILENAME, dpia, record


class Command(BaseCommand):
    help = (
        "Write, from the privacy registry, the record of processing activities (GDPR art. 30) "
        "and a pre-filled DPIA template, in Markdown, for the data protection officer. Both go "
        f"to standard output, or with --output DIR to DIR/{RECORD_FILENAME} and "
        f"DIR/{DPIA_FILENAME}."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", metavar="DIR", help="write the two files into DIR")
        parser.add_argument(
            "--language", default="fr", help="language of the documents (default: fr)"
        )

    def handle(self, *args, **options):
        with translation.override(options["language"]):
            documents = {RECORD_FILENAME: record(), DPIA_FILENAME: dpia()}
        if not options["output"]:
            self.stdout.write("\n\n".join(documents.values()), ending="")
            return
        folder = Path(options["output"])
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for name, text in documents.items():
                (folder / name).write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"{folder}: {error.strerror}") from None
        for name in documents:
            self.stdout.write(f"Wrote {folder / name}")
