"""The demo app's commands: seed_demo and generate."""
