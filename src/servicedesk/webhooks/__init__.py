"""Signed outgoing webhooks: subscriptions to the desk's events, and their deliveries."""
