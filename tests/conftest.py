import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the main thread; Django refuses ORM calls
# there unless told that this is safe (it is: tests are single-threaded on that side).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    """Browser tests need Debian's Chromium; with E2E=required its absence is a failure."""
    if CHROMIUM.exists():
        return
    required = os.environ.get("E2E", "").lower() == "required"
    for item in items:
        if "browser" not in item.keywords:
            continue
        if required:
            item.add_marker(
                pytest.mark.usefixtures("_chromium_required"),
            )
        else:
            item.add_marker(
                pytest.mark.skip(reason=f"{CHROMIUM} not found (apt-get install chromium)")
            )


@pytest.fixture
def _chromium_required():
    pytest.fail(f"E2E=required but {CHROMIUM} is missing: apt-get install chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        # Playwright itself starts Chromium with a fresh temporary --user-data-dir.
        "args": CHROMIUM_FLAGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # An English-speaking browser: the site must still answer in French.
    return {**browser_context_args, "locale": "en-US", "timezone_id": "Europe/Brussels"}


@pytest.fixture
def demo_data(db):
    """The demo network, as `load_demo_data` makes it."""
    from django.core.management import call_command

    call_command("load_demo_data", "--quiet-accounts", verbosity=0)


_serialized_contents: dict[str, str] = {}


@pytest.fixture(scope="session", autouse=True)
def _keep_serialized_test_database(django_db_setup, django_db_blocker):
    """Keep what the migrations wrote (root page, home page, locale, collection).

    Django restores it for `serialized_rollback` tests from an attribute of the connection,
    but Playwright's greenlets give the test another connection object without it.
    """
    from django.db import connections

    for alias in connections:
        contents = getattr(connections[alias], "_test_serialized_contents", None)
        if contents:
            _serialized_contents[alias] = contents


@pytest.fixture
def migrated_data(transactional_db):
    """In a transactional test, the data of the migrations, even after an earlier flush."""
    from django.core.management import call_command
    from django.db import connection
    from wagtail.models import Page

    contents = _serialized_contents.get(connection.alias)
    if contents is None:
        return
    if not Page.objects.exists():
        # Post-migrate handlers ran after the last flush: start again from empty tables.
        call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
        connection.creation.deserialize_db_from_string(contents)
    # Let Django's own teardown flush and restore the right way from now on.
    connection._test_serialized_contents = contents
