"""``pyflink.table``: environments, Table, DataTypes and results."""
from sluice.common import Row
from sluice.table.types import DataTypes, DataType, RowType
from sluice.table.table_environment import (
    EnvironmentSettings, TableConfig, TableEnvironment, StreamTableEnvironment, BatchTableEnvironment,
)
from sluice.table.table import Table, GroupedTable, GroupWindowedTable, WindowGroupedTable, OverWindowedTable
from sluice.table.table_result import TableResult, JobExecutionResult, StatementSet, TableSchema, ResultKind
from sluice.table.sinks import CsvTableSink, CsvTableSource, WriteMode
from sluice.table.udf import ScalarFunction, TableFunction, AggregateFunction, TableAggregateFunction, FunctionContext
from sluice.table.data_view import ListView, MapView
from sluice.table.table_config import SqlDialect
from sluice.table.schema import Schema
from sluice.table.table_descriptor import TableDescriptor, FormatDescriptor
from sluice.table.module import Module, ModuleEntry, HiveModule
from sluice.table.explain_detail import ExplainDetail

__all__ = [
    "Row", "DataTypes", "DataType", "RowType", "EnvironmentSettings", "TableConfig", "TableEnvironment",
    "StreamTableEnvironment", "BatchTableEnvironment", "Table", "GroupedTable", "TableResult",
    "JobExecutionResult", "StatementSet", "TableSchema", "ResultKind", "CsvTableSink", "CsvTableSource",
    "WriteMode", "ScalarFunction", "TableFunction", "AggregateFunction", "TableAggregateFunction", "FunctionContext", "ListView", "MapView",
    "SqlDialect", "Schema", "TableDescriptor", "FormatDescriptor", "Module", "ModuleEntry", "HiveModule",
    "ExplainDetail", "GroupWindowedTable", "WindowGroupedTable", "OverWindowedTable",
]

# Row kinds, the expression class and user-defined types, as PyFlink exports them.
from sluice.common import RowKind  # noqa: E402
from sluice.table.expression import Expression  # noqa: E402
from sluice.table.types import UserDefinedType  # noqa: E402

__all__ += ["RowKind", "Expression", "UserDefinedType"]
