"""``ExecutionEnvironment``: a batch job's settings (parallelism, Python
files and requirements), which ``BatchTableEnvironment.create(env)``
copies into the table environment."""
from __future__ import annotations

from typing import Any, List, Optional

from sluice.common.configuration import Configuration
from sluice.common.execution_config import ExecutionConfig

__all__ = ["ExecutionEnvironment"]


class ExecutionEnvironment:
    def __init__(self, configuration: Optional[Configuration] = None) -> None:
        self._config = Configuration(configuration) if configuration is not None else Configuration()
        self._execution_config = ExecutionConfig(self._config)
        self._python_files: List[str] = []

    @staticmethod
    def get_execution_environment() -> "ExecutionEnvironment":
        return ExecutionEnvironment()

    def get_parallelism(self) -> int:
        """``parallelism.default``; 1 when unset, what the engine runs with."""
        return self._config.get_integer("parallelism.default", 1)

    def set_parallelism(self, parallelism: int) -> None:
        self._execution_config.set_parallelism(parallelism)

    def get_default_local_parallelism(self) -> int:
        return self.get_parallelism()

    def set_default_local_parallelism(self, parallelism: int) -> None:
        self.set_parallelism(parallelism)

    def get_config(self) -> ExecutionConfig:
        return self._execution_config

    def set_restart_strategy(self, restart_strategy_configuration: Any) -> None:
        self._execution_config.set_restart_strategy(restart_strategy_configuration)

    def get_restart_strategy(self) -> Any:
        return self._execution_config.get_restart_strategy()

    def add_default_kryo_serializer(self, type_class_name: str, serializer_class_name: str) -> None:
        pass  # Java serialization; nothing to configure

    def register_type_with_kryo_serializer(self, type_class_name: str, serializer_class_name: str) -> None:
        pass

    def register_type(self, type_class_name: str) -> None:
        pass

    def add_python_file(self, file_path: str) -> None:
        from sluice.table.table_environment import _add_python_file
        _add_python_file(file_path)
        self._python_files.append(file_path)
        self._config.set_string("python.files", ",".join(self._python_files))

    def execute(self, job_name: Optional[str] = None) -> Any:
        raise NotImplementedError("ExecutionEnvironment.execute: DataSet programs are not supported; run table programs "
                                  "with BatchTableEnvironment (execute_sql, Table.execute_insert)")

    def get_execution_plan(self) -> str:
        raise NotImplementedError("ExecutionEnvironment.get_execution_plan: DataSet programs are not supported; use Table.explain()")
