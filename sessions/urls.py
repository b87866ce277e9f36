"""Public URLs of sessions/: the personal agenda page and the iCalendar feeds."""

from django.urls import path, re_path

from . import views
from .tokens import TOKEN_PATTERN

app_name = "sessions"

urlpatterns = [
    path("mon-agenda/", views.agenda, name="agenda"),
    path("mon-agenda/nouvelle-adresse/", views.rotate_feed, name="rotate_feed"),
    path("mon-agenda/revoquer/", views.revoke_feed, name="revoke_feed"),
    path("agenda/serie/<uuid:series_uid>.ics", views.series_feed, name="series_feed"),
    path("agenda/seance/<str:session_uid>.ics", views.session_ics, name="session_ics"),
    # The token is the credential: hub.logging keeps these paths out of logs.
    re_path(
        rf"^agenda/(?P<token>{TOKEN_PATTERN})\.ics$", views.personal_feed, name="personal_feed"
    ),
]
