"""Sign-in throttling: five wrong passwords lock the name for that address, in French."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from network.tasks import clear_old_login_attempts_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True


def _try(client, password, username="professionnelle"):
    return client.post("/connexion/", {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_account_for_that_address(client, demo_data, axes_on):
    for _ in range(4):
        assert _try(client, "faux").status_code == 200
    locked = _try(client, "faux")
    assert locked.status_code == 429
    assert "Trop de tentatives" in locked.content.decode()
    # Even the right password is refused while locked.
    still = _try(client, "demo-maillage")
    assert still.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_name_is_counted_whatever_its_case(client, demo_data, axes_on):
    for name in (
        "Professionnelle",
        "PROFESSIONNELLE ",
        "professionnelle",
        "ProfessionnellE",
        "professionnellE",
    ):
        _try(client, "faux", username=name)
    assert _try(client, "demo-maillage").status_code == 429


def test_a_success_resets_the_count(client, demo_data, axes_on):
    for _ in range(4):
        _try(client, "faux")
    assert _try(client, "demo-maillage").status_code == 302
    client.logout()
    for _ in range(4):
        assert _try(client, "faux").status_code == 200


def test_old_attempts_are_deleted_by_the_due_job(client, demo_data, axes_on):
    _try(client, "faux")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(days=2))
    clear_old_login_attempts_task.enqueue()
    assert not AccessAttempt.objects.exists()
