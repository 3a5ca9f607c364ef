from django.contrib import admin

from servicedesk.projects.models import Phase, Project, ProjectEvent, Task


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
