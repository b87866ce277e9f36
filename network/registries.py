"""Extension points that higher apps fill in their AppConfig.ready().

A lower app never names a higher one: it offers a registry here and the higher app
registers its contributions (navigation entries, dashboard panels, due jobs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Generic, Protocol, TypeVar

from django.http import HttpRequest


class _Keyed(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def order(self) -> int: ...


T = TypeVar("T", bound=_Keyed)


def _always(request: HttpRequest) -> bool:
    return True


def authenticated(request: HttpRequest) -> bool:
    """Visibility predicate: only for signed-in users."""
    return request.user.is_authenticated


def anonymous(request: HttpRequest) -> bool:
    """Visibility predicate: only for visitors who are not signed in."""
    return not request.user.is_authenticated


class Registry(Generic[T]):
    """An ordered set of contributions, keyed so that registering twice replaces."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._items: dict[str, T] = {}

    def register(self, item: T) -> T:
        self._items[item.key] = item
        return item

    def unregister(self, key: str) -> None:
        self._items.pop(key, None)

    def __iter__(self) -> Iterator[T]:
        return iter(sorted(self._items.values(), key=lambda item: (item.order, item.key)))

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def get(self, key: str) -> T | None:
        return self._items.get(key)


@dataclass(frozen=True)
class NavEntry:
    """An entry of the site's main navigation.

    ``url`` is a URL name (reversed when shown) or a callable taking the request.
    """

    key: str
    label: Any
    url: str | Callable[[HttpRequest], str]
    order: int = 100
    visible: Callable[[HttpRequest], bool] = _always


@dataclass(frozen=True)
class DashboardPanel:
    """A panel of the learner dashboard "Mon parcours".

    ``get_context`` returns the template context, or None to hide the panel for this request.
    """

    key: str
    title: Any
    template: str
    get_context: Callable[[HttpRequest], dict[str, Any] | None]
    order: int = 100


@dataclass(frozen=True)
class DueJob:
    """Time-based work that `run_due_jobs` enqueues once ``interval`` has passed since last time.

    ``task`` is a django-tasks Task taking no argument; it must be idempotent.
    """

    key: str
    description: Any
    interval: timedelta
    task: Any
    order: int = 100
    kwargs: dict[str, Any] = field(default_factory=dict)


navigation: Registry[NavEntry] = Registry("navigation")
dashboard_panels: Registry[DashboardPanel] = Registry("dashboard_panels")
due_jobs: Registry[DueJob] = Registry("due_jobs")
# Kinds of file `import_data` and the import wizard accept (`network.imports.ImportKind`).
import_kinds: Registry[Any] = Registry("import_kinds")
