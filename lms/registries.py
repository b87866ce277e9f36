"""Extension points of lms/ that higher apps fill (a lower app never names a higher one).

The course run page of the admin shows header buttons that higher apps contribute, e.g.
certificates' "Issue certificates". They register a Wagtail hook from their wagtail_hooks.py:

    @hooks.register(lms.registries.RUN_HEADER_BUTTONS)
    def buttons(request, run) -> list[HeaderButton]: ...
"""

from __future__ import annotations

from django.http import HttpRequest
from wagtail import hooks

RUN_HEADER_BUTTONS = "maillage_lms_run_header_buttons"


def run_header_buttons(request: HttpRequest, run) -> list:
    """Every registered contributor's header buttons for this run and user."""
    buttons: list = []
    for contributor in hooks.get_hooks(RUN_HEADER_BUTTONS):
        buttons.extend(contributor(request, run) or [])
    return buttons
