"""Load data for benchmarks: many tickets inserted in batches, bypassing the services."""
