"""Children's identities are purged `MAILLAGE_GROUPS_RETENTION_MONTHS` after their cycles close.

What identifies a child or their family goes: the alias (replaced by a dash, see `PURGED_ALIAS`),
practical needs, guardians' consents and safety instructions. What the statistics count stays:
the code, birth year, referral source, commune, memberships and attendance. A child still in a
cycle that is open, or closed more recently, keeps everything. A record in no cycle at all goes
the same number of months after it was created.

Run daily by `run_due_jobs` (registered by `register()`, from GroupsConfig.ready()).
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network import audit, registries

from .models import Consent, CycleStatus, Membership, Participant, SafetyInstruction

# The alias field may not be blank in forms: a purged record keeps a dash, so that editing it
# later does not ask for a name that must not come back.
PURGED_ALIAS = "—"


def retention_months() -> int:
    return getattr(settings, "MAILLAGE_GROUPS_RETENTION_MONTHS", 12)


def _still_needed(cutoff: dt.datetime) -> QuerySet[Membership]:
    """The participant's memberships in a cycle not closed, or closed after `cutoff`."""
    return Membership.objects.filter(participant=OuterRef("pk")).exclude(
        cycle__status=CycleStatus.CLOSED, cycle__closed_at__lt=cutoff
    )


def due(now: dt.datetime | None = None) -> QuerySet[Participant]:
    """Participants to purge now: every membership in a cycle closed before the cutoff (or no
    membership and created before it), and something left to purge."""
    now = now or timezone.now()
    cutoff = now - relativedelta(months=retention_months())
    already_purged = (
        Q(alias=PURGED_ALIAS, practical_needs="")
        & ~Exists(Consent.objects.filter(participant=OuterRef("pk")))
        & ~Exists(SafetyInstruction.objects.filter(participant=OuterRef("pk")))
    )
    # A record in no cycle at all (never placed, or taken out of every cycle) goes as long
    # after its creation: it would otherwise keep the child's identity forever.
    in_a_cycle = Exists(Membership.objects.filter(participant=OuterRef("pk")))
    return (
        Participant.objects.filter(in_a_cycle | Q(created_at__lt=cutoff))
        .exclude(Exists(_still_needed(cutoff)))
        .exclude(already_purged)
    )


def purge_identities(now: dt.datetime | None = None) -> int:
    """Purge the identities that are due; returns how many participants were purged.
    Idempotent: a purged participant is not purged (nor audited) again."""
    purged = 0
    for participant in due(now).order_by("pk").iterator():
        with transaction.atomic():
            Consent.objects.filter(participant=participant).delete()
            SafetyInstruction.objects.filter(participant=participant).delete()
            Participant.objects.filter(pk=participant.pk).update(
                alias=PURGED_ALIAS, practical_needs=""
            )
            audit.record("participant.purge", participant, origin="job")
        purged += 1
    return purged


def register() -> None:
    """The daily due job (called from GroupsConfig.ready())."""
    from .tasks import purge_identities_task

    registries.due_jobs.register(
        registries.DueJob(
            key="groups.purge_identities",
            description=_("Purge children's identities a set number of months after their cycles"),
            interval=timedelta(days=1),
            task=purge_identities_task,
        )
    )
