"""Receivers of groups/: connected from GroupsConfig.ready()."""

from __future__ import annotations

from django.db.models.signals import pre_save

CHILD_MODELS = {
    "maillage_groups.participant",
    "maillage_groups.consent",
    "maillage_groups.safetyinstruction",
    "maillage_groups.membership",
    "maillage_groups.meetingattendance",
}


def neutral_log_label(sender, instance, **kwargs) -> None:
    """Wagtail's log entries are labelled with str(instance) and listed in the site history
    report to anyone holding a permission on the model: a child's record is labelled by its
    kind and row number there, never by its code or alias."""
    if kwargs.get("raw"):
        return  # loaded from a backup or fixture: labelled when first saved
    content_type = instance.content_type
    if f"{content_type.app_label}.{content_type.model}" not in CHILD_MODELS:
        return
    model = content_type.model_class()
    name = model._meta.verbose_name if model is not None else content_type.model
    instance.label = f"{str(name).capitalize()} #{instance.object_id}"


def connect() -> None:
    from wagtail.models import ModelLogEntry

    pre_save.connect(
        neutral_log_label, sender=ModelLogEntry, dispatch_uid="groups.neutral_log_label"
    )
