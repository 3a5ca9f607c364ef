from django.contrib import admin

from servicedesk.manuals.models import Manual


@admin.register(Manual)
class ManualAdmin(admin.ModelAdmin):
    list_display = ("title", "audience", "service", "customer", "published", "updated_at")
    list_filter = ("audience", "published")
    search_fields = ("title", "tags", "service", "body")
