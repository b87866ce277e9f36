"""Events of lms/ that higher apps listen to (certificates issues on completion)."""

from django.dispatch import Signal

# Sent once when an enrolment reaches its module's completion rule; kwargs: enrolment.
module_completed = Signal()
# Sent once when a person meets a path's completion rule; kwargs: path, person, completion.
path_completed = Signal()
