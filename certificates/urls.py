"""Public URLs of certificates/: verification, Open Badges endpoints, the holder's files."""

from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("attestations/verifier/", views.verify_form, name="verify_form"),
    path("attestations/verifier/<str:code>/", views.verify, name="verify"),
    path("attestations/emetteur/", views.issuer, name="issuer"),
    path("attestations/cles/", views.jwks, name="jwks"),
    path("attestations/cles/<str:kid>/", views.key, name="key"),
    path("attestations/statuts/<int:number>/", views.status_list, name="status_list"),
    path("attestations/realisations/<str:kind>/<int:pk>/", views.achievement, name="achievement"),
    path("attestations/<int:pk>/pdf/", views.download_pdf, name="pdf"),
    path("attestations/<int:pk>/open-badge/", views.download_badge, name="badge"),
    path("attestations/<int:pk>/scan/", views.download_scan, name="scan"),
]
