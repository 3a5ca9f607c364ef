"""The worker process: background tasks, the periodic ones, the outbox's delivery and the IMAP mailboxes."""
