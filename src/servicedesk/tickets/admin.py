"""Django admin views of tickets: for looking things up; changes go through the desk's services."""

from __future__ import annotations

from django.contrib import admin

from servicedesk.tickets.models import RefusedReport, Ticket, TicketEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor", "kind", "field", "old_value", "new_value", "reason")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ("id", "subject", "customer", "support_type", "priority", "status", "response_due")
    list_filter = ("status", "support_type", "priority", "channel")
    search_fields = ("subject",)
    list_select_related = ("customer",)
    show_full_result_count = False
    inlines = [TicketEventInline]


@admin.register(RefusedReport)
class RefusedReportAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "channel", "sender", "subject", "reason", "accepted_ticket")
    list_filter = ("channel", "reason")
