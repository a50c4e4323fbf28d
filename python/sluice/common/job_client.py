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
    for it; ``trigger_savepoint`` and ``stop_with_savepoint`` take a
    savepoint (the job must have checkpointing enabled) and return a future
    of its directory, which ``sluice run -s PATH`` restores from.

    A statement set runs one engine job per INSERT where Flink runs one
    job: its client stands for all of them (the first one's id; a status
    that is FINISHED only when all are; cancel stops all; a savepoint is
    one per job, and the future's value the list of their paths)."""

    def __init__(self, job: Any, wait: Any = None) -> None:
        self._jobs: List["_native.Handle"] = list(job) if isinstance(job, (list, tuple)) else [job]
        self._job = self._jobs[0]
        # wait() of the owning TableResult, so metrics are gathered once.
        self._wait = wait

    def _info(self) -> Any:
        return _native.call("jobs.info", self._job.id)

    def _status(self) -> JobStatus:
        states = [JobStatus[_native.call("jobs.info", j.id)[1]] for j in self._jobs]
        for s in (JobStatus.FAILED, JobStatus.CANCELLING, JobStatus.CANCELED, JobStatus.RUNNING, JobStatus.CREATED):
            if s in states and (s is not JobStatus.CANCELED or all(x.is_globally_terminal_state() for x in states)):
                return s
        return JobStatus.FINISHED

    def _done(self) -> bool:
        return all(_native.call("jobs.wait_for", j.id, 0) for j in self._jobs)

    def _cancel_all(self) -> None:
        for j in self._jobs:
            _native.call("jobs.cancel", j.id)

    def get_job_id(self) -> JobID:
        return JobID(self._info()[0])

    def get_job_status(self) -> CompletableFuture:
        """A completed future of the job's JobStatus now."""
        status = self._status()
        return CompletableFuture(lambda: status, lambda: True)

    def cancel(self) -> CompletableFuture:
        """Asks the job to stop; the future completes once it has."""
        self._cancel_all()

        def stopped() -> None:
            for j in self._jobs:
                _native.call("jobs.wait_for", j.id, -1)
            return None
        return CompletableFuture(stopped, self._done)

    def get_job_execution_result(self) -> CompletableFuture:
        """A future of the JobExecutionResult: ``result()`` waits for the
        job to end and raises its error if it failed."""
        def compute() -> JobExecutionResult:
            if self._wait is not None:
                metrics: List[Dict[str, Any]] = self._wait()
            else:
                metrics = []
                for j in self._jobs:
                    metrics += _native.call("job.wait", j.id)
                metrics += checkpoint_metrics(self._jobs)
            runtime = max(_native.call("jobs.info", j.id)[2] for j in self._jobs)
            return JobExecutionResult(self.get_job_id(), runtime, metrics)
        return CompletableFuture(compute, self._done, self._cancel_all)

    def get_accumulators(self) -> CompletableFuture:
        return CompletableFuture(lambda: {}, lambda: True)

    def trigger_savepoint(self, savepoint_directory: Optional[str] = None, *args: Any) -> CompletableFuture:
        """Takes a savepoint into a new directory under
        ``savepoint_directory`` (default: ``state.savepoints.dir``, else
        ``savepoints`` under ``state.checkpoints.dir``); the job goes on.
        The future's value is the savepoint's path."""
        return self._savepoint(savepoint_directory, False)

    def stop_with_savepoint(self, advance_to_end_of_event_time: bool = False, savepoint_directory: Optional[str] = None,
                            *args: Any) -> CompletableFuture:
        """Takes a savepoint, then stops the job cleanly (it ends FINISHED;
        its sources emit nothing after the savepoint, so a job restored
        from it continues exactly there). The future's value is the
        savepoint's path. ``advance_to_end_of_event_time`` (Flink's drain:
        fire every event-time timer and window before stopping) is not
        supported."""
        if isinstance(advance_to_end_of_event_time, str) and savepoint_directory is None:
            # stop_with_savepoint("/dir"): the directory given first.
            advance_to_end_of_event_time, savepoint_directory = False, advance_to_end_of_event_time
        if advance_to_end_of_event_time:
            raise NotImplementedError("stop_with_savepoint(advance_to_end_of_event_time=True): draining (firing "
                                      "every event-time timer before the stop) is not supported; the savepoint "
                                      "keeps open windows, and a restored job fires them")
        return self._savepoint(savepoint_directory, True)

    def _savepoint(self, directory: Optional[str], stop: bool) -> CompletableFuture:
        if directory is not None and not isinstance(directory, str):
            raise TypeError("savepoint_directory must be a string, not %r" % (directory,))
        ops = [_native.Handle(_native.call("job.savepoint", j.id, directory, stop)) for j in self._jobs]

        def paths() -> Any:
            got = [_native.call("savepoint.wait", op.id, -1)[1] for op in ops]
            return got[0] if len(got) == 1 else got

        def done() -> bool:
            return all(_native.call("savepoint.wait", op.id, 0)[0] for op in ops)

        def cancel() -> None:
            for op in ops:
                _native.call("savepoint.cancel", op.id)
        return CompletableFuture(paths, done, cancel)

    def get_checkpoint_metrics(self) -> List[Dict[str, Any]]:
        """Sluice: the jobs' checkpoint metrics now (one entry per job that
        takes checkpoints or was restored; see ``checkpoint_metrics``)."""
        return checkpoint_metrics(self._jobs)

    def get_metrics(self) -> List[Dict[str, Any]]:
        """Sluice: the job's metrics so far."""
        out: List[Dict[str, Any]] = []
        for j in self._jobs:
            out += _native.call("job.metrics", j.id)
        return out + checkpoint_metrics(self._jobs)


def checkpoint_metrics(jobs: List["_native.Handle"]) -> List[Dict[str, Any]]:
    """One entry (kind "checkpoints") per job that takes checkpoints, was
    restored from one or restarted: Flink's checkpoint metric names
    (numberOfCompletedCheckpoints, numberOfFailedCheckpoints,
    numberOfInProgressCheckpoints, lastCheckpointDuration and
    lastCheckpointAlignmentTime in ms, lastCheckpointSize in bytes,
    lastCheckpointExternalPath, numRestarts) and lastCheckpointId,
    lastCheckpointFailure, restoredCheckpointId, restoredCheckpointPath."""
    out = []
    for j in jobs:
        e = _native.call("job.checkpoints", j.id)
        if e is not None:
            out.append(e)
    return out
