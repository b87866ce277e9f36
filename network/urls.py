from django.urls import path

from . import second_factor_views, views

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
    path(
        "mon-compte/notifications/",
        views.NotificationSettingsView.as_view(),
        name="notifications",
    ),
    path("connexion/code/", second_factor_views.verify, name="second_factor_verify"),
    path(
        "connexion/double-authentification/",
        second_factor_views.setup,
        name="second_factor_setup",
    ),
    path(
        "mon-compte/double-authentification/",
        second_factor_views.manage,
        name="second_factor",
    ),
    path(
        "mon-compte/double-authentification/codes/",
        second_factor_views.codes,
        name="second_factor_codes",
    ),
]
