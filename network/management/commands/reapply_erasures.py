from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, no_translations

from network.privacy_services import (
    erasure_log_file,
    logged_erasures,
    read_erasure_file,
    reapply_erasures,
    write_erasure_file,
)


class Command(BaseCommand):
    help = (
        "Erase again every person and child's record erased since a backup was taken: run it "
        "right after restoring a backup (and its migrations), before the site is opened. "
        "Reads the erasure log of the database, the file MAILLAGE_ERASURE_LOG_FILE if set, "
        "and any --log file. Idempotent. With --export FILE, writes the database's log to "
        "FILE instead (before a restore, or beside each backup)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--log",
            action="append",
            default=[],
            metavar="FILE",
            help="an erasure log file (JSON lines) kept outside the database; repeatable",
        )
        parser.add_argument(
            "--export",
            metavar="FILE",
            help="write the database's erasure log to FILE and stop (re-applies nothing)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="count what would be erased again, change nothing",
        )

    @no_translations  # English output, whatever the site's language
    def handle(self, *args, **options):
        if options["export"]:
            count = write_erasure_file(Path(options["export"]), logged_erasures())
            self.stdout.write(f"Wrote {count} erasures to {options['export']}.")
            return
        files = [Path(name) for name in options["log"]]
        configured = erasure_log_file()
        if configured is not None and configured.exists() and configured not in files:
            files.append(configured)
        extra = []
        for path in files:
            if not path.exists():
                raise CommandError(f"{path}: no such file")
            try:
                extra += read_erasure_file(path)
            except ValueError as error:
                raise CommandError(str(error)) from None
        report = reapply_erasures(extra, dry_run=options["dry_run"])
        verb = "would erase" if options["dry_run"] else "erased again"
        self.stdout.write(
            f"{report.entries} erasures in the log ({report.recorded} added to the database)."
        )
        for label, count in sorted(report.erased.items()):
            self.stdout.write(f"  {label}: {verb} {count}")
        if not report.erased:
            self.stdout.write("  nothing to erase again")
        for label in sorted(report.unknown_subjects):
            self.stderr.write(f"  {label}: unknown kind of record, skipped")
        for label, pk, error in report.failures:
            self.stderr.write(f"  {label} #{pk}: not erased ({error})")
        if report.failures:
            raise CommandError(f"{len(report.failures)} erasures could not be re-applied.")
        self.stdout.write(self.style.SUCCESS("Done."))
