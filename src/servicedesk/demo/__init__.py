"""Demo data and load data: the `seed_demo` and `generate` management commands."""
