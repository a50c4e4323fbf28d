"""``pyflink.table``: environments, Table, DataTypes and results."""
from sluice.common import Row
from sluice.table.types import DataTypes, DataType, RowType
from sluice.table.table_environment import (
    EnvironmentSettings, TableConfig, TableEnvironment, StreamTableEnvironment, BatchTableEnvironment,
)
from sluice.table.table import Table, GroupedTable
from sluice.table.table_result import TableResult, JobExecutionResult, StatementSet, TableSchema, ResultKind
from sluice.table.sinks import CsvTableSink, CsvTableSource, WriteMode
from sluice.table.udf import ScalarFunction, TableFunction, AggregateFunction, FunctionContext

__all__ = [
    "Row", "DataTypes", "DataType", "RowType", "EnvironmentSettings", "TableConfig", "TableEnvironment",
    "StreamTableEnvironment", "BatchTableEnvironment", "Table", "GroupedTable", "TableResult",
    "JobExecutionResult", "StatementSet", "TableSchema", "ResultKind", "CsvTableSink", "CsvTableSource",
    "WriteMode", "ScalarFunction", "TableFunction", "AggregateFunction", "FunctionContext",
]
