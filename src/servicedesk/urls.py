"""URL routes of the whole site."""

from django.contrib import admin
from django.urls import include, path

from servicedesk.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("desk/", include("servicedesk.desk.urls")),
    path("portal/", include("servicedesk.portal.urls")),
    path("admin/", admin.site.urls),
]
