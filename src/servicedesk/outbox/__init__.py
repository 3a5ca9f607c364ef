"""The outbox: every message to a customer is recorded here first, then delivered after commit."""
