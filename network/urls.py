from django.urls import path

from . import views

app_name = "network"

urlpatterns = [
    path("inscription/", views.RegisterView.as_view(), name="register"),
    path(
        "inscription/confirmer/<str:token>/",
        views.ConfirmRegistrationView.as_view(),
        name="confirm_registration",
    ),
    path("invitation/<str:token>/", views.AcceptInvitationView.as_view(), name="accept_invitation"),
    path("mon-compte/", views.ProfileView.as_view(), name="profile"),
]
