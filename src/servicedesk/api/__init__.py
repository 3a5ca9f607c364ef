"""The REST API under /api/v1/: personal API tokens, and the desk's resources over the desk's services."""
