"""An aggregate base whose ids are strings (``appt_...``), not UUIDs.

``eventsourcing`` 9.5 ships ``Aggregate`` keyed by UUID only. This is the
small string-keyed base the library's ``BaseAggregate[str]`` makes possible;
the event store must then be configured with ``ORIGINATOR_ID_TYPE=text``.
"""

from datetime import datetime

from eventsourcing.domain import (
    BaseAggregate,
    CanInitAggregate,
    CanMutateAggregate,
    MetaDomainEvent,
)


class StrAggregate(BaseAggregate[str]):
    class Event(CanMutateAggregate[str], metaclass=MetaDomainEvent):
        originator_id: str
        originator_version: int
        timestamp: datetime

    class Created(Event, CanInitAggregate[str]):
        originator_topic: str
