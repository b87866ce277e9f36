"""Public URLs of lms/: enrolment actions, a referent's requests, the attendance sheet.

The catalogue and module pages themselves are Wagtail pages under /formations/.
"""

from django.urls import path

from . import views

app_name = "lms"

urlpatterns = [
    path("formations/inscription/<int:run_id>/", views.enrol, name="enrol"),
    path("formations/me-prevenir/<int:module_id>/", views.interest, name="interest"),
    path("formations/presences/<int:session_id>/", views.attendance, name="attendance"),
    path("mon-parcours/inscriptions/<int:pk>/annuler/", views.cancel, name="cancel"),
    path("mon-parcours/inscriptions/<int:pk>/accepter/", views.accept, name="accept"),
    path("mon-parcours/inscriptions/<int:pk>/evaluation/", views.evaluate, name="evaluate"),
    path("mon-parcours/demandes/", views.requests, name="requests"),
    path("mon-parcours/demandes/<int:pk>/", views.decide, name="decide"),
]
