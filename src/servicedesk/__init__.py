"""servicedesk: service desk and billing engine for IT managed-service providers."""
