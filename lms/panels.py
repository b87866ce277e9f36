"""The "Mon parcours" panels of lms/ (registered from LmsConfig.ready())."""

from __future__ import annotations


def register() -> None:
    pass
