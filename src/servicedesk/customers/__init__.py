"""Customers (organisations), their contacts and contacts' rights, and the service matrix."""
