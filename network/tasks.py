from importlib import import_module

from django.conf import settings
from django_tasks import task


@task()
def clear_expired_sessions_task() -> None:
    """Delete expired login sessions, so that a signed-out device leaves nothing behind."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()
