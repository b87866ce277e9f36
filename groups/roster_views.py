"""The roster board and the proposal, in the Wagtail admin."""


def admin_viewsets() -> list:
    return []
