"""Contracts with recurring fees and their own service levels; prepaid hours (strippenkaart)."""
