"""Wagtail admin screens of groups/: programmes, cycles, participants, swaps."""


def admin_viewsets() -> list:
    return []
