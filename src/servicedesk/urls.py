"""URL routes of the whole site."""

from django.contrib import admin
from django.urls import include, path

from servicedesk.core import views
from servicedesk.oncall.webhook import phone_call

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("desk/", include("servicedesk.desk.urls")),
    path("portal/", include("servicedesk.portal.urls")),
    path("api/v1/", include("servicedesk.api.urls")),
    path("hooks/phone/", phone_call, name="phone_webhook"),
    path("admin/", admin.site.urls),
]
