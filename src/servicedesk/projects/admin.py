from django.contrib import admin

from servicedesk.projects.models import Phase, Project, ProjectEvent, Quote, QuoteLine, Task


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "customer", "kind", "status", "lead", "updated_at")
    list_filter = ("status", "kind")
    search_fields = ("name", "customer__name")
    inlines = [PhaseInline]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("title", "phase", "assignee", "due_date", "done_at")


@admin.register(ProjectEvent)
class ProjectEventAdmin(admin.ModelAdmin):
    list_display = ("project", "at", "actor", "kind", "field")


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    extra = 0


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    """Read only: a quote changes through its services (numbers, the trail, the decision once)."""

    list_display = ("__str__", "project", "version", "status", "total_cents", "valid_until", "decided_at")
    list_filter = ("status", "billing_mode")
    inlines = [QuoteLineInline]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
