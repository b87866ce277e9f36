"""Test-only URLconf: the site's URLs plus sessions/ (until hub/urls.py includes them)."""

from django.urls import include, path

from hub import urls as hub_urls

urlpatterns = [path("", include("sessions.urls")), *hub_urls.urlpatterns]
