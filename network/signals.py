"""Events other apps listen to (they connect in their AppConfig.ready())."""

from django.dispatch import Signal

# Sent when a member is deactivated; kwargs: user, actor. sessions/ revokes feed tokens.
member_deactivated = Signal()
# Sent when a member joins (invitation accepted, registration approved); kwargs: user.
member_joined = Signal()
