"""The demo data set: a small Dutch MSP's history, built through the services with a fake clock."""
