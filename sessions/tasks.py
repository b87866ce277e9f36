from django.utils import timezone
from django_tasks import task


@task()
def extend_horizon_task() -> int:
    """Keep holidays current and sessions materialised up to the horizon, every night."""
    from .models import Series
    from .services import horizon, regenerate, sync_holiday_closures

    today = timezone.localdate()
    sync_holiday_closures([today.year, today.year + 1])
    limit = horizon(today)
    count = 0
    for series in Series.objects.all().iterator():
        result = regenerate(series, until=limit)
        count += len(result.created)
    return count
