"""Tickets, their messages and time entries, the audit trail, and the services that change them."""
