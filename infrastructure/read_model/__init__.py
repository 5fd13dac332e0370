"""The read model: PostgreSQL tables projected from the appointment events,
serving retrieve and list (see docs/read-model.md)."""

from infrastructure.read_model.control import ReadModelProjections, build_view
from infrastructure.read_model.projection import AppointmentsProjection
from infrastructure.read_model.reader import PostgresReadModel
from infrastructure.read_model.runner import ProjectionWorker, RunnerTimings
from infrastructure.read_model.status import ProjectionStatus
from infrastructure.read_model.view import AppointmentsView

__all__ = [
    "AppointmentsProjection",
    "AppointmentsView",
    "PostgresReadModel",
    "ProjectionStatus",
    "ProjectionWorker",
    "ReadModelProjections",
    "RunnerTimings",
    "build_view",
]
