"""Adapters: PostgreSQL, the embedded server, settings and the composition root."""
