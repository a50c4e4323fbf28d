"""``JobStatus`` and ``JobID``, as PyFlink's."""
from __future__ import annotations

from enum import Enum

__all__ = ["JobStatus", "JobID"]


class JobStatus(Enum):
    """The status of a job; the engine's jobs go CREATED → RUNNING →
    FINISHED, FAILED or (through CANCELLING) CANCELED. The other states
    belong to Flink's cluster runtime (restarts, failover, suspension) and
    are listed so programs that compare against them run."""

    CREATED = 0
    RUNNING = 1
    FAILING = 2
    FAILED = 3
    CANCELLING = 4
    CANCELED = 5
    FINISHED = 6
    RESTARTING = 7
    SUSPENDED = 8
    RECONCILING = 9

    def is_globally_terminal_state(self) -> bool:
        """FINISHED, CANCELED or FAILED: the job will not run again."""
        return self in (JobStatus.FINISHED, JobStatus.CANCELED, JobStatus.FAILED)

    def is_terminal_state(self) -> bool:
        """A globally terminal state, or SUSPENDED."""
        return self.is_globally_terminal_state() or self is JobStatus.SUSPENDED


class JobID:
    """A job's id: 16 random bytes, printed as 32 hex digits as Flink's."""

    def __init__(self, hex_id: str) -> None:
        self._id = hex_id

    def __str__(self) -> str:
        return self._id

    def __repr__(self) -> str:
        return self._id

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JobID) and other._id == self._id

    def __hash__(self) -> int:
        return hash(self._id)
