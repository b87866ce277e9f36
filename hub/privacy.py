"""The site's entries in the privacy registry: none of its models holds data about a person."""

from network import privacy

from .models import ContentPage, DueJobRun, HomePage, NetworkSettings


def register() -> None:
    """Declare hub's models (called from HubConfig.ready(); idempotent)."""
    privacy.declare_no_personal_data(
        HomePage, "a page of the site; its owner is held by wagtailcore.Page"
    )
    privacy.declare_no_personal_data(
        ContentPage, "a page of the site; its owner is held by wagtailcore.Page"
    )
    privacy.declare_no_personal_data(
        NetworkSettings, "the network's own contact details, not a person's"
    )
    privacy.declare_no_personal_data(DueJobRun, "when each due job last ran")
    # network declares the task results; their retention is applied by hub's own due job.
    privacy.link_retention("django_tasks_database.DBTaskResult", job="hub.prune_task_results")
