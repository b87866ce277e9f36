from django.core.management.base import BaseCommand
from django.utils import formats, timezone

from hub.services import enqueue_due_jobs


class Command(BaseCommand):
    help = (
        "Enqueue the time-based jobs that are due (idempotent). "
        "Call it every few minutes from cron or a systemd timer."
    )

    def handle(self, *args, **options):
        for outcome in enqueue_due_jobs():
            if outcome.enqueued:
                self.stdout.write(f"enqueued {outcome.job.key} (task {outcome.task_id})")
            elif options["verbosity"] > 1 and outcome.next_due_at:
                when = formats.date_format(
                    timezone.localtime(outcome.next_due_at), "SHORT_DATETIME_FORMAT"
                )
                self.stdout.write(f"not due {outcome.job.key} (next {when})")
