"""The hash chain's table and the trigger that fills it, in the events'
transaction (see docs/audit.md for why a trigger)."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg.sql import SQL, Composed, Identifier

LINK_FUNCTION_BODY = """
DECLARE
    previous bytea;
    id_bytes bytea := convert_to(NEW.originator_id::text, 'UTF8');
    topic_bytes bytea := convert_to(NEW.topic, 'UTF8');
BEGIN
    SELECT h.hash INTO previous FROM {hashes} AS h
     WHERE h.originator_id = NEW.originator_id
       AND h.originator_version = NEW.originator_version - 1;
    INSERT INTO {hashes} (originator_id, originator_version, hash)
    VALUES (NEW.originator_id, NEW.originator_version, sha256(
        COALESCE(previous, decode(repeat('00', 32), 'hex'))
        || int4send(octet_length(id_bytes)) || id_bytes
        || int8send(NEW.originator_version)
        || int4send(octet_length(topic_bytes)) || topic_bytes
        || int4send(octet_length(NEW.state)) || NEW.state));
    RETURN NULL;
END
"""
"""Chains from the hash of version - 1 (32 zero bytes when there is none):
the same bytes as ``infrastructure.audit.chain``."""


@dataclass(frozen=True)
class HashChainSchema:
    """Names and DDL of one event store's hash chain."""

    schema: str
    events_table: str
    originator_id_type: str = "text"

    @property
    def hashes_table(self) -> str:
        return self.events_table.removesuffix("_events") + "_event_hashes"

    @property
    def link_function(self) -> str:
        return self.hashes_table + "_link"

    @property
    def trigger(self) -> str:
        return self.events_table + "_hash_chain"

    @property
    def identifiers(self) -> tuple[str, ...]:
        return (self.hashes_table, self.link_function, self.trigger)

    def qualified(self, name: str) -> Identifier:
        return Identifier(self.schema, name)

    def create_statements(self) -> list[Composed]:
        return [
            self.create_hashes_table(),
            self.create_link_function(),
            self.create_trigger(),
        ]

    def create_hashes_table(self) -> Composed:
        return SQL(
            "CREATE TABLE IF NOT EXISTS {table} ("
            "originator_id {id_type} NOT NULL, "
            "originator_version bigint NOT NULL, "
            "hash bytea NOT NULL, "
            "PRIMARY KEY (originator_id, originator_version))"
        ).format(
            table=self.qualified(self.hashes_table),
            id_type=Identifier(self.originator_id_type),
        )

    def create_link_function(self) -> Composed:
        body = SQL(LINK_FUNCTION_BODY).format(hashes=self.qualified(self.hashes_table))
        return SQL(
            "CREATE OR REPLACE FUNCTION {function}() RETURNS trigger "
            "LANGUAGE plpgsql AS $link$ {body} $link$"
        ).format(function=self.qualified(self.link_function), body=body)

    def create_trigger(self) -> Composed:
        return SQL(
            "CREATE OR REPLACE TRIGGER {trigger} AFTER INSERT ON {events} "
            "FOR EACH ROW EXECUTE FUNCTION {function}()"
        ).format(
            trigger=Identifier(self.trigger),
            events=self.qualified(self.events_table),
            function=self.qualified(self.link_function),
        )
