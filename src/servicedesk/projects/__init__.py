"""Projects: a customer's inventories, migrations and implementations, their phases, tasks and linked tickets."""
