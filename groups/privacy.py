"""groups/ in the privacy registry.

The children's records are not about any account: exporting or erasing a *user* finds nothing
in them (a child's record is exported and erased from the cycle's screens, issue 7's admin). What
points to a user here is who marked attendance or coordinates a cycle: cleared on erasure.

Identities are purged by the daily due job of groups.retention; a child's record deleted by a
coordinator is logged in the erasure log, to be deleted again if a backup is restored.
"""

from django.conf import settings
from django.db.models import Q
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from network import privacy

from .models import (
    Consent,
    Cycle,
    MeetingAttendance,
    Membership,
    Participant,
    Programme,
    SafetyInstruction,
    Swap,
)

PURGE_JOB = "groups.purge_identities"


def _months() -> int:
    return int(getattr(settings, "MAILLAGE_GROUPS_RETENTION_MONTHS", 12))


def _with_months(message) -> str:
    return str(message) % {"months": _months()}


_lazy_months = lazy(_with_months, str)

CHILD_DATA = _lazy_months(
    _(
        "Identities (alias, practical needs, guardians' consents, safety instructions) are kept "
        "while the child takes part and deleted by a daily due job %(months)s months after "
        "their last cycle closed (or after the record was made, when it is in no cycle). The "
        "pseudonymous code, birth year and referral source stay, without identity, for the "
        "statistics."
    )
)
CHILD_COUNTS = _lazy_months(
    _(
        "Kept for the statistics (admissions, attendance); once the child's identity is "
        "deleted, %(months)s months after their last cycle closed, they lead to no one."
    )
)
CHILDREN = _(
    "Children and adolescents taking part in a support group (victims or witnesses of "
    "intrafamily violence), and their guardians."
)
CHILD_RECIPIENTS = _(
    "The commune coordinators of the cycle and the facilitators of the child's group; the "
    "network coordination only where it holds a role in the cycle. Never in agenda feeds, "
    "exports or public pages."
)
CHILD_SENSITIVE = _(
    "Children, vulnerable by age and situation; the data reveal that a family lives with "
    "violence (special category, GDPR art. 9) and name adults who must never get the child."
)
CHILD_PURPOSE = _(
    "Running support groups for children and adolescents exposed to violence safely: who may "
    "take the child home, who must never get the child, what the facilitators need to know."
)
CHILD_BASIS = _(
    "Task carried out in the public interest (GDPR art. 6.1.e) and, for data revealing the "
    "family's situation, the protection of the child's vital interests (art. 9.2.c) under the "
    "guardians' consent."
)


def _nothing_about_a_user(user) -> list:
    return []


def register() -> None:
    """Declare the app's models (called from GroupsConfig.ready(); idempotent)."""
    privacy.declare_no_personal_data(Programme, "a methodology, public")
    from .retention import purge_identities

    for model in (Participant, Consent, SafetyInstruction):
        privacy.register(
            model,
            purpose=CHILD_PURPOSE,
            legal_basis=CHILD_BASIS,
            retention=CHILD_DATA,
            export=_nothing_about_a_user,
            erase=lambda user: 0,
            purge=purge_identities,
            purge_job=PURGE_JOB,
            subjects=CHILDREN,
            recipients=CHILD_RECIPIENTS,
            sensitive=CHILD_SENSITIVE,
        )
    privacy.register(
        Membership,
        purpose=CHILD_PURPOSE,
        legal_basis=CHILD_BASIS,
        retention=CHILD_COUNTS,
        export=_nothing_about_a_user,
        erase=lambda user: 0,
        subjects=CHILDREN,
        recipients=CHILD_RECIPIENTS,
        sensitive=CHILD_SENSITIVE,
    )
    # A record a coordinator deletes must not come back with a restored backup; its code,
    # unique and random, tells it from a newer record that got the same id.
    privacy.track_erasures(Participant, fingerprint=lambda participant: participant.code)
    privacy.register(
        MeetingAttendance,
        purpose=_("Knowing who came to each meeting of a support group (the child's record)."),
        legal_basis=CHILD_BASIS,
        retention=CHILD_COUNTS,
        subjects=CHILDREN,
        recipients=CHILD_RECIPIENTS,
        sensitive=CHILD_SENSITIVE,
        export=lambda user: [
            privacy.values(a, ["session", "status", "marked_at"])
            for a in MeetingAttendance.objects.filter(marked_by=user)
        ],
        # The facilitator who marked it is forgotten; the child's attendance stays.
        erase=lambda user: MeetingAttendance.objects.filter(marked_by=user).update(marked_by=None),
    )
    privacy.register(
        Cycle,
        purpose=_("Knowing which coordinator is in charge of a cycle."),
        legal_basis=privacy.PUBLIC_TASK,
        retention=_("As long as the cycle; the coordinator is cleared when erased."),
        export=lambda user: [
            privacy.values(c, ["name", "commune", "status"])
            for c in Cycle.objects.filter(coordinator=user)
        ],
        erase=lambda user: Cycle.objects.filter(coordinator=user).update(coordinator=None),
    )
    privacy.register(
        Swap,
        purpose=_("Letting facilitators exchange meetings with the coordinator's approval."),
        legal_basis=privacy.PUBLIC_TASK,
        retention=_("As long as the meeting; deleted with the person."),
        export=lambda user: [
            privacy.values(s, ["session", "status", "note", "created_at"])
            for s in Swap.objects.filter(Q(requester=user) | Q(colleague=user))
        ],
        erase=lambda user: Swap.objects.filter(Q(requester=user) | Q(colleague=user)).delete()[0],
    )
