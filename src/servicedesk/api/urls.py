"""Routes of the API, under /api/v1/."""

from django.urls import path

from servicedesk.api.main import api

urlpatterns = [path("", api.urls)]
