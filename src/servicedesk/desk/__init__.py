"""The agents' desk: queues, the ticket page, customers and phone intake."""
