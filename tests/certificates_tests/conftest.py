from tests.lms_tests.conftest import _tasks_must_not_fail, committed, english  # noqa: F401
