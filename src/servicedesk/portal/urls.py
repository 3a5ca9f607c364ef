"""The customer portal's pages."""

from django.urls import path

from servicedesk.portal.views import account, auth, bundles, invoices, manuals, overview, projects, tickets

app_name = "portal"

urlpatterns = [
    path("", tickets.tickets, name="tickets"),
    path("login/", auth.portal_login, name="login"),
    path("logout/", auth.portal_logout, name="logout"),
    path("login/code/", auth.login_code, name="login_code"),
    path("account/", account.account, name="account"),
    path("password/forgot/", auth.forgot, name="forgot"),
    path("password/<uidb64>/<token>/", auth.SetPasswordView.as_view(), name="set_password"),
    path("tickets/new/", tickets.report, name="report"),
    path("tickets/<int:ticket_id>/", tickets.ticket, name="ticket"),
    path("tickets/<int:ticket_id>/reply/", tickets.reply, name="reply"),
    path("attachments/<int:attachment_id>/", tickets.attachment, name="attachment"),
    path("services/", tickets.matrix, name="matrix"),
    path("manuals/", manuals.manual_list, name="manuals"),
    path("invoices/", invoices.invoice_list, name="invoices"),
    path("overview/", overview.overview, name="overview"),
    path("overview/report/<int:year>/<int:month>/", overview.service_report, name="service_report"),
    path("prepaid/", bundles.bundle_list, name="bundles"),
    path("overview/reports/<int:report_id>/", overview.stored_service_report, name="stored_service_report"),
    path("invoices/<int:invoice_id>.<str:kind>", invoices.invoice_download, name="invoice_file"),
    path("manuals/suggest/", manuals.manual_suggest, name="manual_suggest"),
    path("projects/", projects.project_list, name="projects"),
    path("quotes/<int:quote_id>/", projects.quote, name="quote"),
    path("extensions/<int:extension_id>/decide/", projects.extension_decide, name="extension_decide"),
    path("quotes/<int:quote_id>.pdf", projects.quote_file, name="quote_file"),
    path("quotes/<int:quote_id>/decide/", projects.quote_decide, name="quote_decide"),
    path("manuals/<int:manual_id>/", manuals.manual_detail, name="manual"),
]
