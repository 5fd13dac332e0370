"""Auditors' tools over the event store: the hash chain and ``audit verify``
(see docs/audit.md)."""
