"""Views of the desk, one module per page family."""
