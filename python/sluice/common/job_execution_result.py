"""``JobExecutionResult``, as PyFlink's (with the Flink 1.10 methods)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from sluice.common.job_status import JobID

__all__ = ["JobExecutionResult"]


class JobExecutionResult:
    """The result of a finished job: its id, net run time and accumulators.
    The engine has no accumulators (Flink's are a DataStream feature), so
    the map is empty; the engine's metrics are at ``metrics()``."""

    def __init__(self, job_id: Any, net_runtime_ms: int = 0, metrics: Optional[List[Dict[str, Any]]] = None,
                 accumulators: Optional[Dict[str, Any]] = None) -> None:
        self._job_id = job_id if isinstance(job_id, JobID) else JobID(str(job_id))
        self._runtime = int(net_runtime_ms)
        self._metrics = list(metrics or [])
        self._accumulators = dict(accumulators or {})

    def get_job_id(self) -> JobID:
        return self._job_id

    def is_job_execution_result(self) -> bool:
        """Flink 1.10: true for the result of a job that has ended."""
        return True

    def get_job_execution_result(self) -> "JobExecutionResult":
        return self

    def get_net_runtime(self) -> int:
        """Milliseconds the job ran."""
        return self._runtime

    def get_accumulator_result(self, accumulator_name: str) -> Any:
        return self._accumulators.get(accumulator_name)

    def get_all_accumulator_results(self) -> Dict[str, Any]:
        return dict(self._accumulators)

    def metrics(self) -> List[Dict[str, Any]]:
        """Sluice: per operator instance records in/out, busy time and
        named counters, then the user functions' metrics."""
        from sluice import metrics as _metrics
        return list(self._metrics) + [{"kind": "python", "name": n, "type": t, "value": v}
                                      for n, t, v in _metrics.snapshot()]

    def to_string(self) -> str:
        return str(self)

    def __str__(self) -> str:
        return "Program execution finished\nJob with JobID %s has finished.\nJob Runtime: %d ms\n" % (self._job_id, self._runtime)
