"""``JobClient``: the handle of a submitted job, as PyFlink's."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from sluice import _native
from sluice.common.completable_future import CompletableFuture
from sluice.common.job_execution_result import JobExecutionResult
from sluice.common.job_status import JobID, JobStatus

__all__ = ["JobClient"]


class JobClient:
    """A running (or ended) engine job. ``get_job_status`` follows the
    engine's job; ``cancel`` stops it; ``get_job_execution_result`` waits
    for it. Savepoints need checkpoints, which the engine does not have
    yet: ``trigger_savepoint`` and ``stop_with_savepoint`` say so."""

    def __init__(self, job: "_native.Handle", wait: Any = None) -> None:
        self._job = job
        # wait() of the owning TableResult, so metrics are gathered once.
        self._wait = wait

    def _info(self) -> Any:
        return _native.call("jobs.info", self._job.id)

    def get_job_id(self) -> JobID:
        return JobID(self._info()[0])

    def get_job_status(self) -> CompletableFuture:
        """A completed future of the job's JobStatus now."""
        status = JobStatus[self._info()[1]]
        return CompletableFuture(lambda: status, lambda: True)

    def cancel(self) -> CompletableFuture:
        """Asks the job to stop; the future completes once it has."""
        _native.call("jobs.cancel", self._job.id)

        def stopped() -> None:
            _native.call("jobs.wait_for", self._job.id, -1)
            return None
        return CompletableFuture(stopped, lambda: bool(_native.call("jobs.wait_for", self._job.id, 0)))

    def get_job_execution_result(self) -> CompletableFuture:
        """A future of the JobExecutionResult: ``result()`` waits for the
        job to end and raises its error if it failed."""
        def compute() -> JobExecutionResult:
            metrics: List[Dict[str, Any]] = self._wait() if self._wait else _native.call("job.wait", self._job.id)
            job_id, _, runtime, _ = self._info()
            return JobExecutionResult(JobID(job_id), runtime, metrics)
        return CompletableFuture(compute, lambda: bool(_native.call("jobs.wait_for", self._job.id, 0)),
                                 lambda: _native.call("jobs.cancel", self._job.id))

    def get_accumulators(self) -> CompletableFuture:
        return CompletableFuture(lambda: {}, lambda: True)

    def trigger_savepoint(self, savepoint_directory: Optional[str] = None, *args: Any) -> CompletableFuture:
        raise NotImplementedError("trigger_savepoint: savepoints are checkpoints, and Sluice has no checkpoints yet")

    def stop_with_savepoint(self, advance_to_end_of_event_time: bool = False, savepoint_directory: Optional[str] = None,
                            *args: Any) -> CompletableFuture:
        raise NotImplementedError("stop_with_savepoint: savepoints are checkpoints, and Sluice has no checkpoints yet; use cancel()")

    def get_metrics(self) -> List[Dict[str, Any]]:
        """Sluice: the job's metrics so far."""
        return _native.call("job.metrics", self._job.id)
