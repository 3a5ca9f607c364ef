"""Django admin for the IMAP mailboxes the worker reads (and a read-only view of received mail)."""

from __future__ import annotations

import ssl

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from servicedesk.mail.models import InboundMail, Mailbox


class MailboxForm(forms.ModelForm):
    password = forms.CharField(
        label=_("password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current password."),
    )

    class Meta:
        model = Mailbox
        fields = (
            "name",
            "active",
            "host",
            "port",
            "security",
            "username",
            "password",
            "folder",
            "processed_folder",
            "use_idle",
            "poll_seconds",
        )

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password", "")
        if password:
            return password
        if self.instance.pk and self.instance.password:
            return self.instance.password
        raise forms.ValidationError(_("A new mailbox needs a password."))


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ("name", "active", "host", "username", "folder", "processed_folder", "last_checked_at", "last_error")
    readonly_fields = ("last_checked_at", "last_error", "last_error_at")
    actions = ["test_connection"]

    @admin.action(description=_("Test the connection"))
    def test_connection(self, request, queryset):
        # Imported here: every process loads the admin modules, and pipe mode (a process per mail) needs no IMAP.
        from imapclient.exceptions import IMAPClientError

        from servicedesk.mail.imap import connect

        for mailbox in queryset:
            try:
                client = connect(mailbox, timeout=15)
            except (IMAPClientError, OSError, ssl.SSLError) as exc:
                self.message_user(request, f"{mailbox.name}: {type(exc).__name__}: {exc}", messages.ERROR)
                continue
            try:
                waiting = len(client.search(["NOT", "DELETED"]))
            finally:
                client.logout()
            self.message_user(
                request,
                _("%(name)s: connected, %(count)s mail(s) in %(folder)s")
                % {"name": mailbox.name, "count": waiting, "folder": mailbox.folder},
                messages.SUCCESS,
            )


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    list_display = ("received_at", "via", "status", "sender", "subject", "ticket")
    list_filter = ("status", "via", "mailbox")
    search_fields = ("sender", "subject", "message_id")
    exclude = ("raw",)
    readonly_fields = [f.name for f in InboundMail._meta.fields if f.name != "raw"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # received mail is the record of what came in; it is never deleted by hand
