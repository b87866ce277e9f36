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


def _require_chromium(items) -> None:
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


# Whether the session's demo data is committed in the test database (see `_session_demo`).
_demo_state = {"committed": False}


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (
        marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
    ):
        return True
    names = getattr(item, "fixturenames", ())
    return "transactional_db" in names or "live_server" in names


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Browser tests need Chromium (see `_require_chromium`).

    After pytest-django's order (database tests, transactional ones, the rest), run the
    database tests that need the demo after those that do not: the demo is then loaded once,
    committed, and each test's transaction rolls back to it."""

    def key(item):
        uses_demo = "demo_data" in getattr(item, "fixturenames", ())
        transactional = _is_transactional(item)
        uses_db = (
            transactional
            or item.get_closest_marker("django_db") is not None
            or ("db" in getattr(item, "fixturenames", ()))
        )
        group = 1 if transactional else 0 if uses_db else 2
        return (group, uses_demo if group == 0 else not uses_demo)

    _require_chromium(items)
    items.sort(key=key)


@pytest.fixture(scope="session")
def _session_demo(django_db_setup, django_db_blocker):
    """The demo network, loaded and committed once per session (about 2 s on SQLite, 4 s on
    PostgreSQL, for ~200 tests). Transactional tests flush it; `migrated_data` cleans up."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("load_demo_data", "--quiet-accounts", verbosity=0)
    _demo_state["committed"] = True


@pytest.fixture
def demo_data(request, _session_demo, db):
    """The demo network, as `load_demo_data` makes it (rolled back after each test)."""
    from django.core.management import call_command

    if _is_transactional(request.node):
        # The table flush of transactional tests removed it: load it again, for real.
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
    if _demo_state["committed"] or not Page.objects.exists():
        _demo_state["committed"] = False
        # Post-migrate handlers ran after the last flush: start again from empty tables.
        call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
        connection.creation.deserialize_db_from_string(contents)
        # flush restarted PostgreSQL's sequences; the rows restored have explicit ids.
        from django.apps import apps
        from django.core.management.color import no_style

        models = apps.get_models(include_auto_created=True)
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)
    # Let Django's own teardown flush and restore the right way from now on.
    connection._test_serialized_contents = contents


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language: a request signed in as someone who prefers
    English activates it for the thread (as LocaleMiddleware does), and it would otherwise
    leak into the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
