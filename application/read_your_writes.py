"""Read your writes: a write is answered once the read model shows it, or,
past a bounded wait, answered anyway and marked as lagging (docs/api.md)."""

from __future__ import annotations

from dataclasses import dataclass

from application.command_recording import CommandResult
from application.queries import ReadModel


@dataclass(frozen=True)
class ReadYourWrites:
    read_model: ReadModel
    timeout: float
    """Seconds a write waits for the read model."""

    def lagging(self, result: CommandResult) -> bool:
        """Wait until the read model has processed the command's last event;
        True when it had not within the timeout. A command that recorded
        nothing waits for nothing."""
        if result.position is None:
            return False
        return not self.read_model.wait_for(result.position, self.timeout)
