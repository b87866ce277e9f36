import pytest
from django_tasks.base import TaskResultStatus
from django_tasks.signals import task_finished


@pytest.fixture(autouse=True)
def _tasks_must_not_fail():
    """The immediate task backend swallows errors: a failed e-mail task fails the test."""
    failed = []

    def watch(sender, task_result, **kwargs):
        if task_result.status == TaskResultStatus.FAILED:
            failed.append(task_result)

    task_finished.connect(watch, dispatch_uid="lms_tests.watch_tasks")
    yield
    task_finished.disconnect(dispatch_uid="lms_tests.watch_tasks")
    assert not failed, [error.traceback for result in failed for error in result.errors]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs what waits for the commit (e-mails, signals) at its end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def english(demo_data):
    """Demo professionals read their e-mails in English (assertions outlive the translation)."""
    from network.models import MemberProfile

    MemberProfile.objects.update(preferred_language="en")
