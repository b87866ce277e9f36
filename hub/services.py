"""Use cases of the site that write to several models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from network.registries import DueJob, due_jobs

from .models import DueJobRun


@dataclass(frozen=True)
class DueJobOutcome:
    job: DueJob
    enqueued: bool
    task_id: str = ""
    next_due_at: datetime | None = None


def enqueue_due_jobs(now: datetime | None = None) -> list[DueJobOutcome]:
    """Enqueue every registered job whose interval has passed; idempotent within an interval.

    Each job's row is locked while deciding, so two overlapping cron calls enqueue it once.
    """
    now = now or timezone.now()
    outcomes = []
    for job in due_jobs:
        with transaction.atomic():
            run = DueJobRun.objects.select_for_update().filter(key=job.key).first()
            if run is not None and run.last_enqueued_at + job.interval > now:
                outcomes.append(
                    DueJobOutcome(job, False, run.last_task_id, run.last_enqueued_at + job.interval)
                )
                continue
            result = job.task.enqueue(**job.kwargs)
            DueJobRun.objects.update_or_create(
                key=job.key,
                defaults={"last_enqueued_at": now, "last_task_id": str(result.id)},
            )
            outcomes.append(DueJobOutcome(job, True, str(result.id), now + job.interval))
    return outcomes
