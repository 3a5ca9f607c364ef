"""The what-if CLI: ask the policy engine for deadlines and prices from the command line."""
