"""Django admin for configuring customers; rights changes made here are recorded too."""

from __future__ import annotations

from django.contrib import admin

from servicedesk.customers.models import Contact, ContactPhone, Customer, CustomerChange, ServiceMatrixItem
from servicedesk.customers.services import RIGHTS, record_change


class ContactPhoneInline(admin.TabularInline):
    model = ContactPhone
    extra = 0


class ServiceMatrixInline(admin.TabularInline):
    model = ServiceMatrixItem
    extra = 0
    fields = ("name", "description", "active")


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "city", "main_contact")
    search_fields = ("name", "code", "city")
    inlines = [ServiceMatrixInline]
    raw_id_fields = ("main_contact",)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("name", "customer", "email", "may_report", "may_raise_priority", "may_approve_quotes", "active")
    list_filter = ("may_report", "may_raise_priority", "may_approve_quotes", "active", "language")
    search_fields = ("name", "email", "customer__name", "phones__number")
    inlines = [ContactPhoneInline]

    def save_model(self, request, obj, form, change):
        # Rights changed in the admin are recorded like those changed in the desk.
        if change:
            from django.utils import timezone

            old = Contact.objects.get(pk=obj.pk)
            for right in RIGHTS:
                if getattr(old, right) != getattr(obj, right):
                    record_change(
                        customer=obj.customer,
                        contact=obj,
                        actor=request.user,
                        at=timezone.now(),
                        field=right,
                        old=getattr(old, right),
                        new=getattr(obj, right),
                        reason="admin",
                    )
        super().save_model(request, obj, form, change)


@admin.register(CustomerChange)
class CustomerChangeAdmin(admin.ModelAdmin):
    list_display = ("at", "customer", "contact", "field", "old_value", "new_value", "actor")
    list_filter = ("field",)
    search_fields = ("customer__name", "contact__name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
