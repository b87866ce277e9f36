"""Public URLs of groups/: the facilitator space and the public programme pages."""

from django.urls import path

from . import views

app_name = "groups"

urlpatterns = [
    path("mes-groupes/", views.mine, name="mine"),
    path("mes-groupes/seance/<int:session_id>/presences/", views.attendance, name="attendance"),
    path("mes-groupes/seance/<int:session_id>/echange/", views.swap, name="swap"),
    path("mes-groupes/echanges/<int:pk>/retirer/", views.swap_withdraw, name="swap_withdraw"),
    path("mes-groupes/disponibilites/", views.availability, name="availability"),
    path(
        "mes-groupes/disponibilites/<int:pk>/supprimer/",
        views.availability_delete,
        name="availability_delete",
    ),
    path("mes-groupes/absences/<int:pk>/supprimer/", views.absence_delete, name="absence_delete"),
    path("groupes-de-parole/", views.programmes, name="programmes"),
    path("groupes-de-parole/<int:pk>/", views.programme, name="programme"),
]
