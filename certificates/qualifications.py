"""Who holds a certificate (ours or external) for a module, valid on a date.

groups/ asks this for whole rosters: every function here runs one query, whatever the number of
people, modules and dates; the date checks are done in memory on validity windows.
A revoked or replaced certificate qualifies nobody (replaced: its successor does).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .models import Certificate


@dataclass(frozen=True)
class Window:
    """A certificate's validity: from `start` to `end` included (None: no end)."""

    start: dt.date
    end: dt.date | None
    certificate_id: int

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


class Qualifications:
    """Validity windows per (person, module), fetched in one query."""

    def __init__(self, windows: dict[tuple[int, int], list[Window]]):
        self._windows = windows

    def windows(self, person_id: int, module_id: int) -> list[Window]:
        return self._windows.get((person_id, module_id), [])

    def holds(self, person_id: int, module_id: int, day: dt.date) -> bool:
        return any(w.covers(day) for w in self.windows(person_id, module_id))

    def qualified(self, person_id: int, module_ids: Iterable[int], day: dt.date) -> bool:
        """Holds a valid certificate on `day` for every module required."""
        return all(self.holds(person_id, module_id, day) for module_id in module_ids)

    def missing(self, person_id: int, module_ids: Iterable[int], day: dt.date) -> list[int]:
        return [m for m in module_ids if not self.holds(person_id, m, day)]

    def valid_until(self, person_id: int, module_id: int, day: dt.date) -> dt.date | None:
        """The furthest end of validity among the windows covering `day` (None: no end)."""
        ends = [w.end for w in self.windows(person_id, module_id) if w.covers(day)]
        if not ends:
            return None
        return None if None in ends else max(e for e in ends if e is not None)

    def next_start(self, person_id: int, module_id: int, day: dt.date) -> dt.date | None:
        """When a not-yet-valid certificate starts to qualify the person, if any."""
        starts = [w.start for w in self.windows(person_id, module_id) if w.start > day]
        return min(starts) if starts else None


def load(person_ids: Iterable[int] | None, module_ids: Iterable[int]) -> Qualifications:
    """Every current certificate of these people for these modules (None: everybody)."""
    queryset = Certificate.objects.current().filter(
        module_id__in=list(module_ids), holder__isnull=False
    )
    if person_ids is not None:
        queryset = queryset.filter(holder_id__in=list(person_ids))
    windows: dict[tuple[int, int], list[Window]] = defaultdict(list)
    for pk, holder_id, module_id, start, end in queryset.values_list(
        "pk", "holder_id", "module_id", "valid_from", "valid_until"
    ):
        windows[(holder_id, module_id)].append(Window(start, end, pk))
    return Qualifications(dict(windows))


def holders(module_id: int, day: dt.date) -> set[int]:
    """The ids of the people holding a certificate for the module valid on `day`."""
    return set(
        Certificate.objects.valid_on(day)
        .filter(module_id=module_id, holder__isnull=False)
        .values_list("holder_id", flat=True)
    )


def is_qualified(person, module, day: dt.date) -> bool:
    return (
        Certificate.objects.valid_on(day)
        .filter(module_id=getattr(module, "pk", module), holder_id=getattr(person, "pk", person))
        .exists()
    )
