from datetime import timedelta

from django.utils import timezone
from django_tasks import task

TASK_RESULT_RETENTION = timedelta(days=14)


@task()
def prune_task_results_task() -> int:
    """Keep the task table small: finished results are only useful for a short while."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - TASK_RESULT_RETENTION
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted
