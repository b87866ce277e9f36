"""groups/ in the privacy registry.

The children's records are not about any account: exporting or erasing a *user* finds nothing
in them (a child's record is exported and erased from the cycle's screens, issue 7's admin). What
points to a user here is who marked attendance or coordinates a cycle: cleared on erasure.
"""

from django.db.models import Q
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

CHILD_DATA = _(
    "Identities (alias, birth year, consent, safety instructions, needs) are kept while the "
    "cycle runs and purged a set number of months after it closes; anonymous counts stay for "
    "the statistics."
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
    for model in (Participant, Consent, SafetyInstruction, Membership):
        privacy.register(
            model,
            purpose=CHILD_PURPOSE,
            legal_basis=CHILD_BASIS,
            retention=CHILD_DATA,
            export=_nothing_about_a_user,
            erase=lambda user: 0,
        )
    privacy.register(
        MeetingAttendance,
        purpose=_("Knowing who came to each meeting of a support group (the child's record)."),
        legal_basis=CHILD_BASIS,
        retention=CHILD_DATA,
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
