"""Routes of the desk, under /desk/."""

from django.urls import path

from servicedesk.desk.views import auth, billing, customers, inbox, mailbox, manuals, phone, queues, tickets

app_name = "desk"

urlpatterns = [
    path("login/", auth.DeskLoginView.as_view(), name="login"),
    path("logout/", auth.DeskLogoutView.as_view(), name="logout"),
    path("", queues.queue, name="home"),
    path("queue/<slug:name>/", queues.queue, name="queue"),
    path("tickets/<int:ticket_id>/", tickets.ticket_page, name="ticket"),
    path("tickets/<int:ticket_id>/classify/", tickets.classify, name="classify"),
    path("tickets/<int:ticket_id>/respond/", tickets.respond, name="respond"),
    path("tickets/<int:ticket_id>/reply/", tickets.reply, name="reply"),
    path("tickets/<int:ticket_id>/note/", tickets.note, name="note"),
    path("tickets/<int:ticket_id>/assign/", tickets.assign, name="assign"),
    path("tickets/<int:ticket_id>/status/", tickets.set_status, name="status"),
    path("tickets/<int:ticket_id>/time/", tickets.add_time, name="add_time"),
    path("tickets/<int:ticket_id>/time/preview/", tickets.preview_time, name="preview_time"),
    path("tickets/<int:ticket_id>/time/<int:entry_id>/", tickets.correct_time, name="correct_time"),
    path("phone/", phone.phone, name="phone"),
    path("phone/<int:contact_id>/", phone.caller, name="caller"),
    path("phone/<int:contact_id>/refuse/", phone.refuse_call, name="refuse_call"),
    path("customers/", customers.customer_list, name="customers"),
    path("customers/<int:customer_id>/", customers.customer_page, name="customer"),
    path("contacts/<int:contact_id>/rights/", customers.contact_rights, name="contact_rights"),
    path("contacts/<int:contact_id>/invite/", customers.contact_invite, name="contact_invite"),
    path("billing/", billing.runs, name="billing"),
    path("billing/runs/<int:run_id>/", billing.run_page, name="billing_run"),
    path("billing/runs/<int:run_id>/progress/", billing.run_progress_view, name="billing_progress"),
    path("billing/runs/<int:run_id>/<str:action>/", billing.run_start, name="billing_start"),
    path("billing/invoices/<int:invoice_id>/", billing.invoice_page, name="invoice"),
    path("billing/invoices/<int:invoice_id>/csv/", billing.invoice_csv_download, name="invoice_csv"),
    path("billing/invoices/<int:invoice_id>/pdf/", billing.invoice_pdf_download, name="invoice_pdf"),
    path("billing/invoices/<int:invoice_id>/ubl/", billing.invoice_ubl_download, name="invoice_ubl"),
    path("billing/invoices/<int:invoice_id>/send/", billing.invoice_send_view, name="invoice_send"),
    path("manuals/", manuals.manual_list, name="manuals"),
    path("manuals/new/", manuals.manual_edit, name="manual_new"),
    path("manuals/preview/", manuals.manual_preview, name="manual_preview"),
    path("manuals/<int:manual_id>/", manuals.manual_edit, name="manual_edit"),
    path("refused/", inbox.refused, name="refused"),
    path("refused/<int:report_id>/accept/", inbox.accept_refused, name="accept_refused"),
    path("attachments/<int:attachment_id>/", mailbox.attachment, name="attachment"),
    path("mail/quarantine/", mailbox.quarantine, name="quarantine"),
    path("mail/<int:mail_id>/reprocess/", mailbox.reprocess, name="reprocess_mail"),
    path("mail/<int:mail_id>/accept/", mailbox.accept, name="accept_mail"),
    path("notifications/", inbox.notifications, name="notifications"),
    path("notifications/read/", inbox.notifications_read, name="notifications_read"),
]
