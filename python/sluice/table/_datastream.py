"""StreamTableEnvironment's conversions between tables and DataStreams
(from_data_stream, create_temporary_view of a stream, to_data_stream,
to_changelog_stream, to_append_stream, to_retract_stream). A DataStream
is a table of one column f0 (python/sluice/datastream/data_stream.py), so
a conversion is a projection: a ROW element's fields become columns, a
table's columns one ROW."""
from __future__ import annotations

from typing import Any, List, Optional

from sluice.table.expression import Expression, _quote_ident

__all__ = ["from_data_stream", "to_data_stream", "to_changelog_stream", "to_append_stream", "to_retract_stream"]


def _primitive(ti: Any, sql: str, name: str) -> str:
    """sql AS name, NOT NULL for a Java primitive's type (Integer, Long,
    ... at the top or in a tuple), as Flink types those columns."""
    from sluice.common.typeinfo import BasicType, BasicTypeInfo
    from sluice.datastream import _convert
    if isinstance(ti, BasicTypeInfo) and ti._basic_type in (
            BasicType.BOOLEAN, BasicType.BYTE, BasicType.SHORT, BasicType.INT, BasicType.LONG, BasicType.FLOAT,
            BasicType.DOUBLE):
        return "CAST(%s AS %s NOT NULL) AS %s" % (sql, _convert.data_type_of(ti).to_sql().replace(" NOT NULL", ""), name)
    return "%s AS %s" % (sql, name)


def _element_columns(ds: Any) -> List[str]:
    """SQL of the columns a stream's elements give: a ROW's (a Row's or
    a tuple's) fields, else f0 itself."""
    from sluice.common.typeinfo import RowTypeInfo, TupleTypeInfo
    from sluice.datastream import _convert
    ti = _convert._unwrap(ds.get_type())
    if isinstance(ti, RowTypeInfo):
        return ["(`f0`).%s AS %s" % (_quote_ident(n), _quote_ident(n)) for n in ti.get_field_names()]
    if isinstance(ti, TupleTypeInfo):
        return [_primitive(t, "(`f0`).`f%d`" % i, "`f%d`" % i) for i, t in enumerate(ti.get_field_types())]
    return [_primitive(ti, "`f0`", "`f0`")]


def from_data_stream(t_env: Any, ds: Any, *fields_or_schema: Any) -> Any:
    """The stream as a table: a Row's or tuple's fields as columns (an
    atomic element as f0), as Flink's fromDataStream. A Schema declares
    columns (physical ones by name and type, computed ones by expression,
    the stream's timestamps as metadata column ``rowtime``) and a
    watermark (SOURCE_WATERMARK(): the stream's own); expressions rename
    the columns (Flink 1.x)."""
    from sluice.datastream.data_stream import DataStream
    from sluice.table.schema import Schema
    if not isinstance(ds, DataStream):
        raise TypeError("from_data_stream takes a DataStream, not %r" % (ds,))
    # (aliased s: a ROW's fields are read as s.f0.name)
    view = _quote_ident(str(ds._table(t_env))) + " AS `s`"
    cols = _element_columns(ds)
    if len(fields_or_schema) == 1 and isinstance(fields_or_schema[0], Schema):
        return _with_schema(t_env, ds, view, cols, fields_or_schema[0])
    t = t_env.sql_query("SELECT %s FROM %s" % (", ".join(cols), view))
    if fields_or_schema:
        names = [f._sql.strip("`") if isinstance(f, Expression) else str(f) for f in fields_or_schema]
        t = t.alias(*names)
    return t


def _with_schema(t_env: Any, ds: Any, view: str, cols: List[str], schema: Any) -> Any:
    from sluice.table.schema import _expr_sql, _type_sql
    names = [c.rsplit(" AS ", 1)[-1].strip("`") for c in cols]
    items = list(cols)
    rowtime: Optional[str] = None
    computed = []
    declared = getattr(schema, "_columns", None)
    if declared is None:
        raise TypeError("from_data_stream: unexpected schema %r" % (schema,))
    for c in declared:
        kind, name = c[0], c[1]
        if kind == "physical":
            if name not in names:
                raise ValueError("Unable to find a field named '%s' in the physical data type derived from the "
                                 "given type information for schema declaration. Make sure that the type "
                                 "information is not a generic raw type. Currently available fields are: [%s]"
                                 % (name, ", ".join(names)))
            i = names.index(name)
            items[i] = "CAST(%s AS %s) AS %s" % (cols[i].rsplit(" AS ", 1)[0], _type_sql(c[2]), _quote_ident(name))
        elif kind == "metadata":
            if not ds._rowtime:
                raise ValueError("from_data_stream: metadata column %s: the stream has no timestamps "
                                 "(assign_timestamps_and_watermarks)" % name)
            items.append("`s`.`rowtime` AS %s" % _quote_ident(name))
            rowtime = name
        elif kind == "computed":
            computed.append((name, _expr_sql(c[2])))
    t = t_env.sql_query("SELECT %s FROM %s" % (", ".join(items), view))
    if computed:
        v = _quote_ident(str(t))
        t = t_env.sql_query("SELECT *, %s FROM %s" % (", ".join("%s AS %s" % (e, _quote_ident(n)) for n, e in computed), v))
    wm = getattr(schema, "_watermark", None)
    if wm is not None:
        col, expr = wm[0], _expr_sql(wm[1])
        if expr.replace(" ", "").upper() == "SOURCE_WATERMARK()":
            if col != rowtime:
                raise ValueError("from_data_stream: SOURCE_WATERMARK() is the stream's own watermark; declare "
                                 "it on the metadata column rowtime")
        else:
            v = _quote_ident(str(t))
            t = t_env.sql_query("SELECT * FROM TABLE(SLUICE_DS_WATERMARK(TABLE %s, DESCRIPTOR(%s), %s))"
                                % (v, _quote_ident(col), expr))
    return t


def _row_of_columns(t_env: Any, table: Any, type_sql: Optional[str] = None, kind: bool = False) -> Any:
    """table's columns as one ROW column f0 (and its rowtime attribute as
    rowtime), the table of a DataStream of Rows."""
    schema = table.get_schema()
    names, types = schema.get_field_names(), [str(t) for t in schema.get_field_data_types()]
    plain = [t.replace(" *ROWTIME*", "").replace(" *PROCTIME*", "") for t in types]
    if type_sql is None:
        type_sql = "ROW<%s>" % ", ".join("%s %s" % (_quote_ident(n), t) for n, t in zip(names, plain))
    rowtimes = [n for n, t in zip(names, types) if "*ROWTIME*" in t]
    items = ["CAST(ROW(%s) AS %s) AS `f0`" % (", ".join(_quote_ident(n) for n in names), type_sql)]
    if len(rowtimes) == 1 and not kind:
        items.append("%s AS `rowtime`" % _quote_ident(rowtimes[0]))
    if kind:
        items.append("`kind`")
    view = _quote_ident(str(table))
    source = "TABLE(SLUICE_DS_CHANGELOG(TABLE %s))" % view if kind else view
    return t_env.sql_query("SELECT %s FROM %s" % (", ".join(items), source)), bool(rowtimes) and len(rowtimes) == 1 and not kind


def _type_info_of_table(table: Any) -> Any:
    from sluice.common.typeinfo import ExternalTypeInfo, Types
    from sluice.datastream._convert import type_info_of
    schema = table.get_schema()
    names = schema.get_field_names()
    types = [str(t).replace(" *ROWTIME*", "").replace(" *PROCTIME*", "") for t in schema.get_field_data_types()]
    return ExternalTypeInfo(Types.ROW_NAMED(names, [type_info_of(t) for t in types]))


def _stream_env(t_env: Any) -> Any:
    env = getattr(t_env, "_stream_execution_environment", None)
    if env is None:
        from sluice.datastream.stream_execution_environment import StreamExecutionEnvironment
        env = StreamExecutionEnvironment.get_execution_environment()
        env._config._default_t_env = t_env
        t_env._stream_execution_environment = env
    return env


def _check_insert_only(table: Any) -> None:
    """Flink's refusal of a table with updates where a DataStream of
    inserts is asked for, naming the node that produces them."""
    from sluice.table.explain_detail import ExplainDetail
    from sluice.util.exceptions import TableException
    plan = table.explain(ExplainDetail.CHANGELOG_MODE)
    physical = plan.split("== Optimized Physical Plan ==")[-1].split("== Optimized Execution Plan ==")[0]
    for line in reversed(physical.strip().splitlines()):
        text = line.strip().lstrip("+-: ").strip()
        if "changelogMode=[" in text and "changelogMode=[I]" not in text:
            node = text.split(", changelogMode=[")[0] + ")"
            raise TableException("Table sink '*anonymous_datastream_sink$1*' doesn't support consuming update "
                                 "changes which is produced by node %s" % node)


def to_data_stream(t_env: Any, table: Any, target_data_type: Any = None) -> Any:
    """An insert-only table as a stream of Rows of its columns, as Flink's
    toDataStream (its rowtime attribute, if any, as the elements'
    timestamps)."""
    from sluice.datastream.data_stream import DataStream
    _check_insert_only(table)
    env = _stream_env(t_env)
    ti = _type_info_of_table(table)
    rowtime = [False]

    def build(te: Any) -> Any:
        t, rowtime[0] = _row_of_columns(te, table)
        return t
    build(t_env)  # resolves the schema now, so that errors surface here
    return DataStream(env, ti, build, "TableToDataSteam", rowtime=rowtime[0])


def to_append_stream(t_env: Any, table: Any, type_info: Any) -> Any:
    """Flink 1.x: an insert-only table as a stream of type_info (a Row of
    its fields, positionally)."""
    from sluice.datastream import _convert
    from sluice.datastream.data_stream import DataStream
    from sluice.common.typeinfo import RowTypeInfo
    _check_insert_only(table)
    env = _stream_env(t_env)
    if not isinstance(type_info, RowTypeInfo):
        raise TypeError("to_append_stream takes a RowTypeInfo (Types.ROW / Types.ROW_NAMED)")
    type_sql = _convert.data_type_of(type_info).to_sql().replace(" NOT NULL", "")
    rowtime = [False]

    def build(te: Any) -> Any:
        t, rowtime[0] = _row_of_columns(te, table, type_sql)
        return t
    build(t_env)
    return DataStream(env, type_info, build, "TableToDataSteam", rowtime=rowtime[0])


def to_changelog_stream(t_env: Any, table: Any, *args: Any) -> Any:
    """The table's changes as Rows carrying their RowKind (+I, -U, +U, -D),
    as Flink's toChangelogStream."""
    from sluice.datastream.data_stream import DataStream
    env = _stream_env(t_env)
    ti = _type_info_of_table(table)

    def build(te: Any) -> Any:
        return _row_of_columns(te, table, kind=True)[0]
    build(t_env)
    return DataStream(env, ti, build, "TableToDataSteam", kind=True)


def to_retract_stream(t_env: Any, table: Any, type_info: Any) -> Any:
    """Flink 1.x: the table's changes as (True, Row) for an insert or the
    new value of an update, (False, Row) for a retraction."""
    from sluice.common.typeinfo import Types
    from sluice.common import RowKind
    from sluice.datastream import _convert
    from sluice.datastream.data_stream import DataStream
    env = _stream_env(t_env)
    type_sql = _convert.data_type_of(type_info).to_sql().replace(" NOT NULL", "")
    rows = _convert.from_sql(type_info)
    collect_rows = _convert.from_pylist(type_info)

    def build(te: Any) -> Any:
        return _row_of_columns(te, table, type_sql, kind=True)[0]
    build(t_env)
    ds = DataStream(env, Types.TUPLE([Types.BOOLEAN(), type_info]), build, "TableToDataSteam", kind=True)

    def element(v: Any, k: int) -> Any:
        r = rows(v) if rows is not None else v
        r.set_row_kind(RowKind(k))
        return (k in (0, 2), r)

    def collected(v: Any, k: int) -> Any:
        r = collect_rows(v)
        r.set_row_kind(RowKind(k))
        return (k in (0, 2), r)
    ds._custom_element = element
    ds._custom_collect = collected
    return ds


def from_changelog_stream(t_env: Any, ds: Any, *args: Any) -> Any:
    """A stream of Rows with their RowKinds as an updating table, as
    Flink's fromChangelogStream: a stream from to_changelog_stream (or
    derived from one by filter) gives back its table's changes. Other
    streams hold no row kinds in Sluice (from_collection keeps a Row's
    fields, not its kind): their Rows are inserts."""
    from sluice.datastream.data_stream import DataStream
    if not isinstance(ds, DataStream):
        raise TypeError("from_changelog_stream takes a DataStream, not %r" % (ds,))
    if not ds._kind:
        return from_data_stream(t_env, ds)
    view = _quote_ident(str(ds._table(t_env))) + " AS `s`"
    with_kind = t_env.sql_query("SELECT %s, `kind` FROM %s" % (", ".join(_element_columns(ds)), view))
    return t_env.sql_query("SELECT * FROM TABLE(SLUICE_DS_FROM_CHANGELOG(TABLE %s))" % _quote_ident(str(with_kind)))
