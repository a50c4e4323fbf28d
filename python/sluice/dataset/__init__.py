"""``pyflink.dataset`` (Flink 1.10-1.13): the batch ExecutionEnvironment
that BatchTableEnvironment.create took. Settings only: DataSet programs
are not supported."""
from sluice.dataset.execution_environment import ExecutionEnvironment

__all__ = ["ExecutionEnvironment"]
