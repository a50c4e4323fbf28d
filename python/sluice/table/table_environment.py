"""TableEnvironment, StreamTableEnvironment, BatchTableEnvironment and
EnvironmentSettings, as PyFlink's, on the in-process engine."""
from __future__ import annotations

import os
import sys
from typing import Any, Dict, Iterable, List, Optional, Sequence

from sluice import _native
from sluice.common import Configuration
from sluice.table.types import DataType, RowType, _type_sql
from sluice.table.expression import _literal
from sluice.table.table_config import TableConfig

__all__ = ["EnvironmentSettings", "TableConfig", "TableEnvironment", "StreamTableEnvironment", "BatchTableEnvironment"]


class EnvironmentSettings:
    """Streaming or batch mode and initial options, as PyFlink's: the mode
    is the ``execution.runtime-mode`` option of ``get_configuration()``.
    The planner choices of Flink 1.10-1.13 (use_blink_planner,
    use_old_planner, use_any_planner) are accepted: Sluice has one planner.
    There is one catalog and database, Flink's default names."""

    class Builder:
        def __init__(self) -> None:
            self._config: Dict[str, str] = {"execution.runtime-mode": "STREAMING"}

        def use_blink_planner(self) -> "EnvironmentSettings.Builder":
            return self

        def use_old_planner(self) -> "EnvironmentSettings.Builder":
            return self

        def use_any_planner(self) -> "EnvironmentSettings.Builder":
            return self

        def in_streaming_mode(self) -> "EnvironmentSettings.Builder":
            self._config["execution.runtime-mode"] = "STREAMING"
            return self

        def in_batch_mode(self) -> "EnvironmentSettings.Builder":
            self._config["execution.runtime-mode"] = "BATCH"
            return self

        def with_configuration(self, config: Configuration) -> "EnvironmentSettings.Builder":
            self._config.update(config.to_dict())
            return self

        def with_built_in_catalog_name(self, built_in_catalog_name: str) -> "EnvironmentSettings.Builder":
            if built_in_catalog_name != _CATALOG:
                raise NotImplementedError("with_built_in_catalog_name(%r): Sluice has one catalog, %s" % (built_in_catalog_name, _CATALOG))
            return self

        def with_built_in_database_name(self, built_in_database_name: str) -> "EnvironmentSettings.Builder":
            if built_in_database_name != _DATABASE:
                raise NotImplementedError("with_built_in_database_name(%r): Sluice has one database, %s" % (built_in_database_name, _DATABASE))
            return self

        def build(self) -> "EnvironmentSettings":
            cfg = dict(self._config)
            return EnvironmentSettings(_is_streaming(cfg), cfg)

    def __init__(self, streaming: bool = True, config: Optional[Dict[str, str]] = None) -> None:
        self._config = dict(config or {})
        self._config.setdefault("execution.runtime-mode", "STREAMING" if streaming else "BATCH")
        self._streaming = _is_streaming(self._config)

    @staticmethod
    def new_instance() -> "EnvironmentSettings.Builder":
        return EnvironmentSettings.Builder()

    @staticmethod
    def in_streaming_mode() -> "EnvironmentSettings":
        return EnvironmentSettings(True)

    @staticmethod
    def in_batch_mode() -> "EnvironmentSettings":
        return EnvironmentSettings(False)

    @staticmethod
    def from_configuration(config: Configuration) -> "EnvironmentSettings":
        """Flink 1.14-1.x: settings from options."""
        return EnvironmentSettings.new_instance().with_configuration(config).build()

    def is_streaming_mode(self) -> bool:
        return self._streaming

    def is_blink_planner(self) -> bool:
        """Flink 1.10-1.13: Sluice's one planner behaves as the blink planner."""
        return True

    def get_built_in_catalog_name(self) -> str:
        return _CATALOG

    def get_built_in_database_name(self) -> str:
        return _DATABASE

    def get_configuration(self) -> Configuration:
        return Configuration.from_dict(self._config)

    def to_configuration(self) -> Configuration:
        return self.get_configuration()


def _is_streaming(cfg: Dict[str, str]) -> bool:
    mode = cfg.get("execution.runtime-mode", "STREAMING").upper()
    if mode not in ("STREAMING", "BATCH", "AUTOMATIC"):
        raise ValueError("execution.runtime-mode is STREAMING, BATCH or AUTOMATIC, not %r" % cfg["execution.runtime-mode"])
    return mode != "BATCH"


def _add_python_file(file_path: str) -> None:
    """Make a file or directory importable, as PyFlink ships it to workers."""
    path = os.path.abspath(file_path)
    if not os.path.exists(path):
        raise FileNotFoundError("add_python_file: %s does not exist" % file_path)
    entry = path if os.path.isdir(path) and not os.path.exists(os.path.join(path, "__init__.py")) else os.path.dirname(path)
    if path.endswith(".zip") or path.endswith(".whl"):
        entry = path
    if entry not in sys.path:
        sys.path.insert(0, entry)


class TableEnvironment:
    """A table environment (``TableEnvironment.create(settings)``)."""

    _anonymous = 0  # numbers anonymous tables (from_descriptor) process-wide

    def __init__(self, settings: Optional[EnvironmentSettings] = None, config: Optional[Dict[str, str]] = None) -> None:
        settings = settings or EnvironmentSettings.in_streaming_mode()
        cfg = dict(settings._config)
        cfg.update(config or {})
        if cfg.get("execution.runtime-mode", "").upper() == "AUTOMATIC":
            # The mode is chosen per environment, before its sources are
            # known: AUTOMATIC runs as STREAMING (correct for any source).
            cfg["execution.runtime-mode"] = "STREAMING"
        kv: List[str] = []
        for k, v in cfg.items():
            kv += [k, str(v)]
        self._h = _native.Handle(_native.call("env.new", settings.is_streaming_mode(), kv))
        self._pending: List[Any] = []
        self._config: Optional[TableConfig] = None

    @staticmethod
    def create(environment_settings: Any = None) -> "TableEnvironment":
        if isinstance(environment_settings, Configuration):
            return TableEnvironment(EnvironmentSettings(True, environment_settings.to_dict()))
        return TableEnvironment(environment_settings)

    # -- SQL -------------------------------------------------------------
    def execute_sql(self, stmt: str) -> "TableResult":
        """Run one statement. DDL returns OK; a query returns its rows;
        INSERT starts the job and returns at once (``.wait()`` waits), as
        Flink's executeSql."""
        from sluice.table.table import Table
        from sluice.table.table_result import TableResult
        self._check_dialect(stmt)
        kind, parsed = _native.call("env.parse", self._h.id, stmt)
        parsed = _native.Handle(parsed)
        h = _native.Handle(_native.call("env.run", parsed.id))
        if kind == "insert":
            return TableResult(job=h)
        if kind == "query":
            # Planned now (errors show here); run when the rows are read.
            return Table(h, self).execute()
        return TableResult(h)

    def sql_update(self, stmt: str) -> None:
        """Flink 1.10: DDL runs now; INSERT waits for ``execute``."""
        self._check_dialect(stmt)
        kind, parsed = _native.call("env.parse", self._h.id, stmt)
        parsed = _native.Handle(parsed)
        if kind == "insert":
            self._pending.append(("parsed", parsed))
            return
        from sluice.table.table_result import TableResult
        TableResult(_native.Handle(_native.call("env.run", parsed.id)))

    def _check_dialect(self, stmt: str) -> None:
        """Statements in the Hive dialect are not parsed: say so, rather
        than misreading them as Flink SQL. SET and RESET still run, so
        a script can switch back."""
        if self._config is None or (self._config.get("table.sql-dialect") or "default").lower() != "hive":
            return
        if stmt.lstrip().upper().startswith(("SET", "RESET")):
            return
        raise NotImplementedError("table.sql-dialect = hive: Sluice parses Flink's default SQL dialect only; "
                                  "set_sql_dialect(SqlDialect.DEFAULT)")

    def sql_query(self, query: str) -> "Table":
        from sluice.table.table import Table
        self._check_dialect(query)
        return Table(_native.Handle(_native.call("env.sql_query", self._h.id, query)), self)

    def explain(self, table: Any = None, extended: bool = False) -> str:
        """Flink 1.10-1.11: the plan of ``table``, or of the INSERTs that
        sql_update and insert_into buffered; ``extended`` adds the
        changelog modes (and the estimated costs Flink printed)."""
        from sluice.table.explain_detail import ExplainDetail
        details = (ExplainDetail.ESTIMATED_COST, ExplainDetail.CHANGELOG_MODE) if extended else ()
        if table is not None:
            return table.explain(*details)
        from sluice.table.table_result import StatementSet
        ss = StatementSet(self)
        for kind, what in self._pending:
            if kind == "parsed":
                ss._items.append(("sql", _native.call("env.statement_text", what.id)))
            else:
                ss._items.append(("table", what))
        if not ss._items:
            from sluice.util.exceptions import TableException
            raise TableException("No table or INSERT to explain: pass a table, or buffer INSERTs with sql_update/insert_into")
        return ss.explain(*details)

    def explain_sql(self, stmt: str, *extra_details: Any) -> str:
        """The statement's plan, as Flink's: "== Abstract Syntax Tree ==",
        "== Optimized Physical Plan ==" (with changelogMode=[...] for
        ExplainDetail.CHANGELOG_MODE) and "== Optimized Execution Plan ==",
        which shows where each Python function call is evaluated
        (``PythonCalc(..., runtime=row|pandas, evaluator=#n)``: the calls
        of one evaluator cross into Python together, once per batch)."""
        from sluice.table.explain_detail import detail_names
        details = detail_names(extra_details)
        r = self.execute_sql("EXPLAIN " + (", ".join(details) + " " if details else "") + stmt)
        return "\n".join(str(row[0]) for row in r.collect())

    # -- tables ----------------------------------------------------------
    def from_path(self, path: str) -> "Table":
        from sluice.table.table import Table
        return Table(_native.Handle(_native.call("env.from_path", self._h.id, path)), self)

    def scan(self, *table_path: str) -> "Table":
        return self.from_path(".".join(table_path))

    def create_temporary_view(self, view_path: str, table: "Table", *fields: Any) -> None:
        if fields:
            table = table.alias(*[str(f) for f in fields])
        _native.call("env.create_view", self._h.id, view_path, table._h.id)

    def register_table(self, name: str, table: "Table") -> None:
        self.create_temporary_view(name, table)

    def register_table_sink(self, name: str, table_sink: Any) -> None:
        register = getattr(table_sink, "_register", None)  # CsvTableSink: one file or a directory
        if register is not None:
            register(self, name)
            return
        self.execute_sql(table_sink._ddl(name))

    def register_table_source(self, name: str, table_source: Any) -> None:
        self.execute_sql(table_source._ddl(name))

    def from_elements(self, elements: Iterable[Any], schema: Any = None, verify_schema: bool = True) -> "Table":
        """A table of the elements, as PyFlink's: the schema is a RowType, a
        DataType (one column named ``value``), a list of names, or inferred
        from the values (int → BIGINT, float → DOUBLE, str → STRING, list →
        ARRAY, dict → MAP, Row → ROW, ...). The rows cross to the engine as
        one Arrow batch, so nested values need no SQL literals."""
        from sluice.table import _values
        from sluice.table.table import Table
        from sluice.table.types import _create_type_verifier, _infer_schema_from_data
        elements = list(elements)
        from sluice.table.expression import Expression
        if elements and all(isinstance(e, Expression) for e in elements):
            return self._from_row_expressions(elements, schema if isinstance(schema, RowType) else None)
        if any(isinstance(e, Expression) for e in elements):
            raise ValueError("It doesn't support part of the elements are Expression, while the others are not.")
        if isinstance(schema, RowType):
            if verify_schema:
                verify = _create_type_verifier(schema)
                for e in elements:
                    verify(e)
        elif isinstance(schema, DataType):
            if verify_schema:
                verify = _create_type_verifier(schema, name="field value")
                for e in elements:
                    verify(e)
            schema = RowType().add("value", schema)
            elements = [(e,) for e in elements]
        elif schema is None or isinstance(schema, (list, tuple)):
            schema = _infer_schema_from_data(elements, names=list(schema) if schema is not None else None)
        else:
            raise TypeError("schema should be RowType, list, tuple or None, but got: %s" % schema)
        batch = _values.record_batch(elements, schema)
        t = Table(_native.Handle(_native.call("env.from_arrow", self._h.id, [batch])), self)
        # The batch carries the Arrow type; types Arrow cannot tell apart
        # (VARCHAR(n) and STRING, CHAR(n), ...) are cast to the declared one.
        # Nullability is the batch's own (Arrow keeps it for fields, not for
        # map keys), so it takes no part in the comparison.
        declared = [f.data_type.to_sql() for f in schema.fields]
        reported = [str(x) for x in t.get_schema().get_field_data_types()]
        differs = [r.replace(" NOT NULL", "") != d.replace(" NOT NULL", "") for r, d in zip(reported, declared)]
        if any(differs):
            from sluice.table.expression import Expression, _quote_ident
            t = t.select(*[Expression("CAST(%s AS %s)" % (_quote_ident(n), d.replace(" NOT NULL", "")) if x else _quote_ident(n), alias=n)
                           for n, d, x in zip(schema.field_names(), declared, differs)])
        return t

    def _from_row_expressions(self, elements: List[Any], schema: Optional[RowType]) -> "Table":
        """from_elements([row(1, 'a'), ...]) as Flink's fromValues: a VALUES
        of the rows' fields, cast to the schema's types when one is given
        (columns f0, f1, ... otherwise)."""
        from sluice.table.table import Table
        items = []
        for e in elements:
            fields = getattr(e, "_row_items", None)
            if fields is None:
                raise ValueError("from_elements takes row(...) expressions, not %s" % e)
            items.append(fields)
        width = len(items[0])
        if any(len(f) != width for f in items):
            raise ValueError("from_elements: the row(...) expressions have different numbers of fields")
        if schema is not None and len(schema.fields) != width:
            raise ValueError("from_elements: the schema has %d fields, the rows %d" % (len(schema.fields), width))
        names = schema.field_names() if schema is not None else ["f%d" % i for i in range(width)]
        casts = [f.data_type.to_sql().replace(" NOT NULL", "") for f in schema.fields] if schema is not None else None
        rows = [[("CAST(%s AS %s)" % (x._sql, casts[i]) if casts else x._sql) for i, x in enumerate(f)] for f in items]
        return Table(_native.Handle(_native.call("env.from_values", self._h.id, names, rows)), self)

    def from_pandas(self, pdf: Any, schema: Any = None, splits_num: int = 1) -> "Table":
        """A table of a DataFrame's columns, handed over as Arrow without
        copying (pyarrow converts the DataFrame once). ``schema`` — a
        RowType, a list of names, or a list of DataTypes — names and casts
        the columns as PyFlink's does."""
        import pyarrow as pa
        from sluice.table.table import Table
        batch = pa.RecordBatch.from_pandas(pdf, preserve_index=False)
        names = [str(c) for c in pdf.columns]
        types: Optional[List[str]] = None
        if isinstance(schema, RowType):
            names, types = schema.field_names(), [t.to_sql() for t in schema.field_types()]
        elif schema is not None and all(isinstance(x, DataType) for x in schema):
            types = [t.to_sql() for t in schema]
        elif schema is not None:
            names = [str(x) for x in schema]
        if len(names) != batch.num_columns:
            raise ValueError("the schema has %d fields, the DataFrame %d columns" % (len(names), batch.num_columns))
        batch = batch.rename_columns(names)
        t = Table(_native.Handle(_native.call("env.from_arrow", self._h.id, [batch])), self)
        if types is not None:
            from sluice.table.expression import Expression, _quote_ident
            t = t.select(*[Expression("CAST(%s AS %s)" % (_quote_ident(n), ty), alias=n) for n, ty in zip(names, types)])
        return t

    # -- functions -------------------------------------------------------
    def register_function(self, name: str, function: Any) -> None:
        # Flink's legacy registerFunction: a temporary system function that
        # replaces one of the same name.
        _native.call("env.register_function", self._h.id, name, _as_udf(function), "legacy")

    def create_temporary_function(self, path: str, function: Any) -> None:
        # A temporary catalog function: a built-in of the same name still
        # wins for unqualified calls, as in Flink.
        _native.call("env.register_function", self._h.id, path, _as_udf(function), "catalog")

    def create_temporary_system_function(self, name: str, function: Any) -> None:
        # Shadows a built-in of the same name (resolved first, as in Flink).
        _native.call("env.register_function", self._h.id, name, _as_udf(function), "system")

    def create_java_temporary_function(self, path: str, function_class_name: str) -> None:
        raise NotImplementedError("create_java_temporary_function: Sluice runs no Java; write the function in Python")

    def create_java_temporary_system_function(self, name: str, function_class_name: str) -> None:
        raise NotImplementedError("create_java_temporary_system_function: Sluice runs no Java; write the function in Python")

    def create_java_function(self, path: str, function_class_name: str, ignore_if_exists: Optional[bool] = None) -> None:
        raise NotImplementedError("create_java_function: Sluice runs no Java; write the function in Python")

    def register_java_function(self, name: str, function_class_name: str) -> None:
        raise NotImplementedError("register_java_function: Sluice runs no Java; write the function in Python")

    def _ensure_functions(self, udfs: Sequence[Any]) -> None:
        # udf objects called in expressions are registered by identity
        # (their key), never by name; registering a key again is a no-op.
        for f in udfs:
            _native.call("env.register_inline_function", self._h.id, f._sluice_ref, f._sluice_name, f)

    # -- dependencies ----------------------------------------------------
    def add_python_file(self, file_path: str) -> None:
        _add_python_file(file_path)

    add_Python_file = add_python_file  # as the seed's write-up spells it

    def add_python_files(self, file_path: str) -> None:
        _add_python_file(file_path)

    def set_python_requirements(self, requirements_file_path: str, requirements_cache_dir: Optional[str] = None) -> None:
        """Installs the requirements with pip into a directory of this
        process put first on sys.path (offline from the cache directory
        when one is given); see sluice.table._dependencies."""
        _install_requirements(requirements_file_path, requirements_cache_dir)
        self.get_config().set("python.requirements", requirements_file_path)

    def add_python_archive(self, archive_path: str, target_dir: Optional[str] = None) -> None:
        """Extracts a zip or tar archive and makes it reachable as
        ``target_dir`` (default: the archive's name) from the working
        directory, where PyFlink's workers find it; see
        sluice.table._dependencies."""
        from sluice.table._dependencies import add_python_archive
        add_python_archive(archive_path, target_dir)
        self.get_config().set("python.archives", ",".join(
            a for a in [self.get_config().get("python.archives", None),
                        archive_path if target_dir is None else archive_path + "#" + target_dir] if a))

    # -- config and execution -------------------------------------------
    def get_config(self) -> TableConfig:
        """The environment's config; one object, so the fields Flink 1.10
        kept outside the key/value map (null check, decimal context) stay."""
        if self._config is None:
            self._config = TableConfig(self)
        return self._config

    def execute(self, job_name: str = "sluice-job") -> "JobExecutionResult":
        """Flink 1.10/1.11: run every INSERT buffered by sql_update and
        Table.insert_into, and wait for them."""
        from sluice.common.job_execution_result import JobExecutionResult
        from sluice.common.job_status import JobID
        if not self._pending:
            raise RuntimeError("No operators defined in streaming topology. Cannot execute: call insert_into or sql_update with an INSERT first")
        pending, self._pending = self._pending, []
        jobs = []
        try:
            for kind, what in pending:
                if kind == "parsed":
                    jobs.append(_native.Handle(_native.call("env.run", what.id)))
                else:
                    table, sink = what
                    jobs.append(_native.Handle(_native.call("table.submit_insert", table._h.id, sink)))
            metrics = []
            runtime = 0
            for j in jobs:
                metrics += _native.call("job.wait", j.id)
                runtime = max(runtime, _native.call("jobs.info", j.id)[2])
            from sluice.common.job_client import checkpoint_metrics
            metrics += checkpoint_metrics(jobs)
            from sluice.table.sinks import finish_single_file_sinks
            finish_single_file_sinks()
        except BaseException:
            for j in jobs:
                try:
                    _native.call("job.cancel", j.id)
                except Exception:
                    pass
            raise
        # One JobID for what Flink 1.10 ran as one job (all buffered INSERTs).
        return JobExecutionResult(JobID(_native.call("jobs.info", jobs[0].id)[0]), runtime, metrics)

    def insert_into(self, target_path: str, table: "Table") -> None:
        """Flink 1.10/1.11: buffers ``table``'s INSERT into ``target_path``
        until ``execute``."""
        self._pending.append(("table", (table, target_path)))

    def create_statement_set(self) -> "StatementSet":
        from sluice.table.table_result import StatementSet
        return StatementSet(self)

    # -- tables declared by descriptors ----------------------------------
    def create_temporary_table(self, path: str, descriptor: Any, ignore_if_exists: bool = False) -> None:
        """Registers a TableDescriptor as a temporary table (as CREATE
        TEMPORARY TABLE: the same connectors, validation and errors)."""
        name = _unqualify(path)
        if name in self._objects("table|view", True):
            if ignore_if_exists:
                return
            raise ValueError("Temporary table '`%s`.`%s`.`%s`' already exists" % (_CATALOG, _DATABASE, name))
        self.execute_sql(_descriptor(descriptor)._ddl(name, True))

    def create_table(self, path: str, descriptor: Any, ignore_if_exists: bool = False) -> bool:
        """Registers a TableDescriptor as a catalog table; False when it
        existed and ``ignore_if_exists`` is set, as Flink 2's."""
        name = _unqualify(path)
        if name in self._objects("table|view", False):
            if ignore_if_exists:
                return False
            raise ValueError("Could not execute CreateTable in path `%s`.`%s`.`%s`: a table or view of that name exists"
                             % (_CATALOG, _DATABASE, name))
        self.execute_sql(_descriptor(descriptor)._ddl(name, False))
        return True

    def from_descriptor(self, descriptor: Any) -> "Table":
        """A Table reading the descriptor's connector: an anonymous
        temporary table, listed nowhere, as Flink's."""
        return self.from_path(self._anonymous_table(descriptor))

    def _anonymous_table(self, descriptor: Any, schema_of: Any = None) -> str:
        """Registers the descriptor under a fresh hidden name and returns
        the name; ``schema_of`` is a Table whose schema stands in when the
        descriptor has none (Table.execute_insert(descriptor))."""
        from sluice.table.schema import Schema
        d = _descriptor(descriptor)
        TableEnvironment._anonymous += 1
        name = "*anonymous_%s$%d*" % (d.get_options().get("connector", "table"), TableEnvironment._anonymous)
        schema = None
        if schema_of is not None and d.get_schema() is None:
            ts = schema_of.get_schema()
            schema = Schema.new_builder().from_fields(ts.get_field_names(), ts.get_field_data_types()).build()
        self.execute_sql(d._ddl(name, True, schema=schema))
        return name

    def connect(self, connector_descriptor: Any) -> "Any":
        """Flink 1.10-1.13: a table declared by a connector descriptor
        (``Kafka()``, ``FileSystem()``, ...), a format and a schema; see
        sluice.table.descriptors."""
        from sluice.table.descriptors import StreamTableDescriptor
        return StreamTableDescriptor(self, connector_descriptor)

    # -- catalogs, tables, functions and modules ---------------------------
    # One catalog and database, Flink's defaults; paths may be qualified
    # with them. Temporary and permanent objects share one namespace.
    def _objects(self, kind: str, temporary: Optional[bool] = None) -> List[str]:
        # Anonymous tables (from_descriptor) are listed nowhere, as Flink's.
        return sorted(n for k, n, temp, _ in _native.call("env.catalog_objects", self._h.id)
                      if k in kind.split("|") and (temporary is None or temp == temporary) and not n.startswith("*anonymous_"))

    def list_catalogs(self) -> List[str]:
        return [_CATALOG]

    def list_databases(self) -> List[str]:
        return [_DATABASE]

    def get_current_catalog(self) -> str:
        return _CATALOG

    def get_current_database(self) -> str:
        return _DATABASE

    def use_catalog(self, catalog_name: str) -> None:
        if catalog_name != _CATALOG:
            raise ValueError("A catalog with name [%s] does not exist." % catalog_name)

    def use_database(self, database_name: str) -> None:
        if database_name != _DATABASE:
            raise ValueError("A database with name [%s] does not exist in the catalog: [%s]." % (database_name, _CATALOG))

    def register_catalog(self, catalog_name: str, catalog: Any) -> None:
        raise NotImplementedError("register_catalog: Sluice has one in-memory catalog (%s.%s)" % (_CATALOG, _DATABASE))

    def get_catalog(self, catalog_name: str) -> Any:
        """The catalog (Sluice has one: default_catalog), or None as Flink."""
        from sluice.table.catalog import Catalog
        return Catalog(self, catalog_name) if catalog_name == _CATALOG else None

    def list_tables(self) -> List[str]:
        """Tables and views, temporary or not, sorted (Flink's listTables)."""
        return self._objects("table|view")

    def list_temporary_tables(self) -> List[str]:
        """Temporary tables and views."""
        return self._objects("table|view", True)

    def list_views(self) -> List[str]:
        return self._objects("view")

    def list_temporary_views(self) -> List[str]:
        return self._objects("view", True)

    def drop_temporary_table(self, table_path: str) -> bool:
        """True when a temporary table was dropped; a permanent table or a
        view of that name is left alone (False), as Flink's."""
        return bool(_native.call("env.drop_temporary", self._h.id, "table", _unqualify(table_path)))

    def drop_temporary_view(self, view_path: str) -> bool:
        return bool(_native.call("env.drop_temporary", self._h.id, "view", _unqualify(view_path)))

    def drop_table(self, table_path: str, ignore_if_not_exists: bool = True) -> bool:
        """Flink 2: drops a permanent table (True) or reports there is none."""
        name = _unqualify(table_path)
        if name not in self._objects("table", False):
            if not ignore_if_not_exists:
                raise ValueError("Table with identifier '%s.%s.%s' does not exist." % (_CATALOG, _DATABASE, name))
            return False
        self.execute_sql("DROP TABLE %s" % _quote(name))
        return True

    def drop_view(self, view_path: str, ignore_if_not_exists: bool = True) -> bool:
        name = _unqualify(view_path)
        if name not in self._objects("view", False):
            if not ignore_if_not_exists:
                raise ValueError("View with identifier '%s.%s.%s' does not exist." % (_CATALOG, _DATABASE, name))
            return False
        self.execute_sql("DROP VIEW %s" % _quote(name))
        return True

    def list_user_defined_functions(self) -> List[str]:
        """Names of the user-defined functions (temporary, system or
        catalog), sorted."""
        return _native.call("env.list_user_defined_functions", self._h.id)

    def list_functions(self) -> List[str]:
        """User-defined and built-in function names, sorted."""
        return _native.call("env.list_functions", self._h.id)

    def drop_temporary_system_function(self, name: str) -> bool:
        """True when a temporary system function was dropped."""
        return bool(_native.call("env.drop_function", self._h.id, name, True))

    def drop_temporary_function(self, path: str) -> bool:
        """True when a temporary catalog function was dropped; a system
        function of that name is left alone, as Flink's."""
        return bool(_native.call("env.drop_function", self._h.id, _unqualify(path), False))

    def drop_function(self, path: str) -> bool:
        """Drops a catalog function made by CREATE FUNCTION."""
        name = _unqualify(path)
        if not any(k == "function" and n.lower() == name.lower() and not temp
                   for k, n, temp, _ in _native.call("env.catalog_objects", self._h.id)):
            return False
        self.execute_sql("DROP FUNCTION %s" % _quote(name))
        return True

    def _module_state(self) -> Any:
        from sluice.table.module import _Modules
        if getattr(self, "_modules", None) is None:
            self._modules = _Modules()
        return self._modules

    def load_module(self, module_name: str, module: Any) -> None:
        """Loads and uses a module. Only Flink's ``core`` module (the
        engine's built-ins, ``CoreModule.INSTANCE``) exists; loading it
        under a second name fails as in Flink."""
        self._module_state().load(module_name, module)

    def unload_module(self, module_name: str) -> None:
        self._module_state().unload(module_name)

    def use_modules(self, *module_names: str) -> None:
        """Sets the used modules and their order. The engine resolves its
        built-in functions whatever the order: there is one module."""
        self._module_state().use(list(module_names))

    def list_modules(self) -> List[str]:
        """Used modules, in resolution order."""
        return list(self._module_state().used)

    def list_full_modules(self) -> List[Any]:
        """Every loaded module as a ModuleEntry: used ones first."""
        return self._module_state().entries()


_CATALOG = "default_catalog"
_DATABASE = "default_database"


def _descriptor(d: Any) -> Any:
    from sluice.table.table_descriptor import TableDescriptor
    if not isinstance(d, TableDescriptor):
        raise TypeError("expected a TableDescriptor (TableDescriptor.for_connector(...).build()), got %s" % type(d).__name__)
    return d


def _unqualify(path: str) -> str:
    """The object name of a path: ``default_catalog.default_database.t``,
    ``default_database.t`` and ``t`` all name ``t``; another catalog or
    database does not exist."""
    parts = [p.strip("`") for p in path.split(".")]
    if len(parts) == 3 and parts[0] != _CATALOG:
        raise ValueError("A catalog with name [%s] does not exist." % parts[0])
    if len(parts) >= 2 and parts[-2] != _DATABASE:
        raise ValueError("A database with name [%s] does not exist in the catalog: [%s]." % (parts[-2], _CATALOG))
    if len(parts) > 3:
        raise ValueError("Invalid path %r: at most catalog.database.object" % path)
    return parts[-1]


def _quote(name: str) -> str:
    return "`%s`" % name.replace("`", "``")


def _settings_config(execution_environment: Any, table_config: Optional[TableConfig]) -> Dict[str, str]:
    """The options a new environment starts with: the execution
    environment's (parallelism, runtime mode, checkpointing, python.*),
    then the table config's (Flink 1.10-1.13 passed one to create)."""
    cfg: Dict[str, str] = {}
    if execution_environment is not None:
        conf = getattr(execution_environment, "_config", None)
        cfg.update(conf.to_dict() if conf is not None else execution_environment.get_config().to_dict())
    if table_config is not None:
        cfg.update(table_config.to_map())
    return cfg


def _copy_fields(t_env: TableEnvironment, table_config: Optional[TableConfig]) -> None:
    """The Flink 1.10 fields of a TableConfig passed to create (null check,
    decimal context) carry over to the environment's config."""
    if table_config is not None:
        mine = t_env.get_config()
        mine._null_check = table_config._null_check
        mine._decimal_context = table_config._decimal_context


def _create_args(env: Any, settings: Any, table_config: Any) -> Any:
    """create()'s arguments by type: Flink 1.10-1.13 took (env,
    table_config, environment_settings), 1.14+ (env, environment_settings);
    a positional TableConfig or EnvironmentSettings lands where it goes."""
    args = [a for a in (env, settings, table_config) if a is not None]
    env = next((a for a in args if not isinstance(a, (EnvironmentSettings, TableConfig))), None)
    settings = next((a for a in args if isinstance(a, EnvironmentSettings)), None)
    table_config = next((a for a in args if isinstance(a, TableConfig)), None)
    return env, settings, table_config


class StreamTableEnvironment(TableEnvironment):
    # DataStream conversions: table/_datastream.py.
    def from_data_stream(self, data_stream: Any, *fields_or_schema: Any) -> "Table":
        from sluice.table import _datastream
        return _datastream.from_data_stream(self, data_stream, *fields_or_schema)

    def from_changelog_stream(self, data_stream: Any, *args: Any) -> "Table":
        from sluice.table import _datastream
        return _datastream.from_changelog_stream(self, data_stream, *args)

    def to_data_stream(self, table: "Table", *args: Any) -> Any:
        from sluice.table import _datastream
        return _datastream.to_data_stream(self, table, *args)

    def to_changelog_stream(self, table: "Table", *args: Any) -> Any:
        from sluice.table import _datastream
        return _datastream.to_changelog_stream(self, table, *args)

    def to_append_stream(self, table: "Table", type_info: Any) -> Any:
        from sluice.table import _datastream
        return _datastream.to_append_stream(self, table, type_info)

    def to_retract_stream(self, table: "Table", type_info: Any) -> Any:
        from sluice.table import _datastream
        return _datastream.to_retract_stream(self, table, type_info)

    def create_temporary_view(self, view_path: str, table: Any, *fields: Any) -> None:
        """A view of a Table, or of a DataStream (from_data_stream's table)."""
        from sluice.datastream.data_stream import DataStream
        if isinstance(table, DataStream):
            table = self.from_data_stream(table, *fields)
            fields = ()
        super().create_temporary_view(view_path, table, *fields)

    @staticmethod
    def create(stream_execution_environment: Any = None, environment_settings: Any = None,
               table_config: Optional[TableConfig] = None) -> "StreamTableEnvironment":
        """A table environment with the execution environment's settings;
        ``set_runtime_mode(BATCH)`` on it gives a batch environment, as
        Flink's (settings passed here must be streaming)."""
        stream_execution_environment, environment_settings, table_config = _create_args(
            stream_execution_environment, environment_settings, table_config)
        if environment_settings is not None and not environment_settings.is_streaming_mode():
            raise ValueError("StreamTableEnvironment.create takes streaming settings; use TableEnvironment.create(EnvironmentSettings.in_batch_mode()) for batch")
        cfg = _settings_config(stream_execution_environment, table_config)
        streaming = cfg.get("execution.runtime-mode", "STREAMING").upper() != "BATCH"
        if cfg.get("execution.runtime-mode", "").upper() == "AUTOMATIC":
            # Chosen per environment before the sources are known: see
            # StreamExecutionEnvironment.set_runtime_mode.
            cfg["execution.runtime-mode"] = "STREAMING"
        settings = environment_settings or EnvironmentSettings(streaming)
        t_env = StreamTableEnvironment(EnvironmentSettings(streaming and settings.is_streaming_mode(), settings._config), cfg)
        _copy_fields(t_env, table_config)
        bind = getattr(getattr(stream_execution_environment, "_config", None), "_bind", None)
        t_env._stream_execution_environment = stream_execution_environment
        if bind is not None:
            # Later changes to the execution environment (checkpointing,
            # state backend, restart strategy) reach this environment.
            bind(t_env)
        return t_env


class BatchTableEnvironment(TableEnvironment):
    @staticmethod
    def create(execution_environment: Any = None, environment_settings: Any = None,
               table_config: Optional[TableConfig] = None) -> "BatchTableEnvironment":
        execution_environment, environment_settings, table_config = _create_args(
            execution_environment, environment_settings, table_config)
        cfg = _settings_config(execution_environment, table_config)
        cfg.pop("execution.runtime-mode", None)
        t_env = BatchTableEnvironment(environment_settings or EnvironmentSettings.in_batch_mode(), cfg)
        _copy_fields(t_env, table_config)
        return t_env


def _as_udf(function: Any) -> Any:
    if hasattr(function, "_sluice_result_type"):
        return function
    from sluice.table.udf import AggregateFunction, ScalarFunction, udaf
    if isinstance(function, AggregateFunction):
        # PyFlink takes an AggregateFunction as is: its get_result_type and
        # get_accumulator_type declare the types.
        return udaf(function)
    if isinstance(function, ScalarFunction):
        raise TypeError("register_function: wrap the ScalarFunction with udf(%s(), result_type=...)" % type(function).__name__)
    if callable(function):
        raise TypeError("register_function: %r declares no result type; wrap it with udf(f, result_type=DataTypes...)" % (function,))
    raise TypeError("register_function: %r is not a function" % (function,))


def _install_requirements(requirements_file_path: str, requirements_cache_dir: Optional[str] = None) -> None:
    from sluice.table._dependencies import install_requirements
    install_requirements(requirements_file_path, requirements_cache_dir)


def _is_missing(v: Any) -> bool:
    try:
        return v is None or (v != v)
    except Exception:
        return False


def _plain(v: Any) -> Any:
    item = getattr(v, "item", None)
    if callable(item) and type(v).__module__ == "numpy":
        return item()
    to_py = getattr(v, "to_pydatetime", None)
    if callable(to_py):
        return to_py()
    return v
