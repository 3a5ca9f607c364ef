"""Django's SQLite backend, waiting for the write lock in short steps (see base.py)."""
