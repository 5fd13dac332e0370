"""The appointment domain: the aggregate, its events, rules and derivations.

Imports nothing but the standard library and ``eventsourcing.domain``.
"""
