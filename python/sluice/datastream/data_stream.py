"""``pyflink.datastream.data_stream``: DataStream programs on Sluice.

A DataStream is a table of one column ``f0`` whose SQL type comes from the
stream's TypeInformation (``Types.INT()`` is INT, ``Types.ROW_NAMED`` a ROW,
no type or ``PICKLED_BYTE_ARRAY`` BYTES holding pickled Python objects; see
``_convert``). Its operators are the Table API's: ``map`` is a row UDF over
``f0`` (the cpython row kernel: one crossing per batch), ``filter`` a
BOOLEAN row UDF in a WHERE, ``flat_map`` a table function (LATERAL TABLE),
``union`` a UNION ALL; a sink is an INSERT into a connector table. So
checkpoints, restarts, parallelism and the job client are the table jobs'.

A stream is a description, built into a Table of a table environment when
it runs (``execute``, ``execute_and_collect``) or is converted
(``StreamTableEnvironment.from_data_stream``), once per environment.
"""
from __future__ import annotations

import itertools
from typing import Any, Callable, Dict, Iterator, List, Optional

from sluice.common.typeinfo import PickledBytesTypeInfo, RowTypeInfo, TypeInformation, Types
from sluice.datastream import _convert
from sluice.datastream.functions import (
    CoFlatMapFunction, CoMapFunction, FilterFunction, FlatMapFunction, Function, KeySelector, MapFunction,
    ProcessFunction, RuntimeContext,
)

__all__ = ["DataStream", "KeyedStream", "WindowedStream", "AllWindowedStream", "ConnectedStreams",
           "BroadcastStream", "BroadcastConnectedStream", "DataStreamSink", "CloseableIterator"]

_names = itertools.count(1)
_NO_TIMESTAMP = -9223372036854775808  # Long.MIN_VALUE: an element without a timestamp


class _RuntimeContext(RuntimeContext):
    """What a DataStream function's open() receives: the subtask it runs
    in, from the calc that calls it."""

    def __init__(self, ctx: Any) -> None:
        self._ctx = ctx

    def get_task_name(self) -> str:
        return self._ctx.get_task_name()

    def get_number_of_parallel_subtasks(self) -> int:
        return self._ctx.get_number_of_parallel_subtasks()

    def get_max_number_of_parallel_subtasks(self) -> int:
        return self._ctx.get_max_number_of_parallel_subtasks()

    def get_index_of_this_subtask(self) -> int:
        return self._ctx.get_index_of_this_subtask()

    def get_attempt_number(self) -> int:
        return self._ctx.get_attempt_number()

    def get_task_name_with_subtasks(self) -> str:
        return self._ctx.get_task_name_with_subtasks()

    def get_job_parameter(self, key: str, default_value: str) -> str:
        return self._ctx.get_job_parameter(key, default_value)

    def get_metrics_group(self) -> Any:
        return self._ctx.get_metric_group()

    def _no_state(self, *args: Any) -> Any:
        raise RuntimeError("State is only available on a KeyedStream (key_by(...).process / map with state)")

    get_state = get_list_state = get_map_state = get_reducing_state = get_aggregating_state = _no_state


def _adapter(fn: Any, call: Callable[..., Any], table: bool = False) -> Any:
    """A Function with open/close as the ScalarFunction (TableFunction) the
    udf machinery opens in every subtask; ``call`` is what runs per row."""
    from sluice.table.udf import ScalarFunction, TableFunction

    class Adapter(TableFunction if table else ScalarFunction):  # type: ignore[misc, valid-type]
        def open(self, function_context: Any) -> None:
            fn.open(_RuntimeContext(function_context))

        def close(self) -> None:
            fn.close()

        def eval(self, *args: Any) -> Any:
            return call(*args)

    a = Adapter()
    # The kernel calls eval per row: the instance attribute saves a frame.
    a.eval = call
    return a


def _user_call(func: Any, kind: type, method: str, what: str) -> Any:
    """(callable, the Function to open/close or None) of a user function:
    a Function subclass's method, or a plain callable."""
    if isinstance(func, kind):
        return getattr(func, method), func
    if isinstance(func, Function):
        raise TypeError("%s takes a %s or a callable, not %s" % (what, kind.__name__, type(func).__name__))
    if not callable(func):
        raise TypeError("The input must be a %s or a callable function" % kind.__name__)
    return func, None


def _name_of(func: Any) -> str:
    n = getattr(func, "__name__", None) or type(func).__name__
    return "".join(c if c.isalnum() or c == "_" else "_" for c in n) or "f"


class DataStream(object):
    """A stream of elements of one type (``get_type()``)."""

    def __init__(self, env: Any, type_info: Optional[TypeInformation], build: Callable[[Any], Any],
                 name: str = "", parents: Optional[List["DataStream"]] = None, rowtime: bool = False,
                 kind: bool = False) -> None:
        self._env = env
        # Columns the table has after f0: `rowtime`, the elements'
        # timestamps (a rowtime attribute: watermarks flow), and `kind`,
        # the RowKind of a changelog stream's Rows (TINYINT).
        self._rowtime = rowtime
        self._kind = kind
        # A stream whose elements are made of f0 and the kind in its own way
        # (to_retract_stream's (flag, Row)): (f0, kind) -> element, for
        # functions and for execute_and_collect's values.
        self._custom_element: Optional[Callable[[Any, int], Any]] = None
        self._custom_collect: Optional[Callable[[Any, int], Any]] = None
        # (stream, f) when this stream is stream.map(f) with pickled results:
        # a map of it calls f and its own function in one row UDF.
        self._fusable: Optional[Any] = None
        self._type_info = type_info if type_info is not None else PickledBytesTypeInfo()
        self._build_fn = build
        self._built: Dict[int, Any] = {}
        self._name = name
        self._uid: Optional[str] = None
        self._parallelism: Optional[int] = None
        self._max_parallelism: Optional[int] = None
        self._description: Optional[str] = None
        self._parents = parents or []

    # -- the Table this stream is in an environment -----------------------
    def _table(self, t_env: Any = None) -> Any:
        """This stream as a Table of t_env (the environment's own by
        default): one column f0."""
        if t_env is None:
            t_env = self._env._table_env()
        t = self._built.get(id(t_env))
        if t is None:
            t = self._build_fn(t_env)
            self._built[id(t_env)] = t
        return t

    def _derive(self, type_info: Optional[TypeInformation], build: Callable[[Any], Any], name: str,
                kind: bool = False) -> "DataStream":
        out = DataStream(self._env, type_info, build, name, [self], rowtime=self._rowtime, kind=kind)
        if kind:
            # the same elements (filter, partitioning): made the same way
            out._custom_element, out._custom_collect = self._custom_element, self._custom_collect
        return out

    def _element_args(self) -> List[Any]:
        """The columns a function of the elements receives: f0, and the
        row kind of a changelog stream's Rows."""
        from sluice.table.expressions import col
        return [col("f0"), col("kind")] if self._kind else [col("f0")]

    def _element_conv(self) -> Optional[Callable[..., Any]]:
        """From the columns of _element_args to the element (None: f0 is
        the element as it is)."""
        if self._custom_element is not None:
            return self._custom_element
        conv = _convert.from_sql(self._type_info)
        if not self._kind:
            return conv
        from sluice.common import RowKind

        def with_kind(v: Any, k: int) -> Any:
            v = conv(v) if conv is not None else v
            v.set_row_kind(RowKind(k))
            return v
        return with_kind

    def _carried(self) -> List[Any]:
        """The columns kept next to a new f0: the rowtime."""
        from sluice.table.expressions import col
        return [col("rowtime")] if self._rowtime else []

    # -- names and settings (recorded) ------------------------------------
    def get_name(self) -> str:
        return self._name

    def name(self, name: str) -> "DataStream":
        self._name = name
        return self

    def uid(self, uid: str) -> "DataStream":
        self._uid = uid
        return self

    def set_uid_hash(self, uid_hash: str) -> "DataStream":
        self._uid = uid_hash
        return self

    def set_description(self, description: str) -> "DataStream":
        self._description = description
        return self

    def set_parallelism(self, parallelism: int) -> "DataStream":
        """Recorded: an operator runs at the job's parallelism."""
        if parallelism < 1:
            raise ValueError("The parallelism of an operator must be at least 1.")
        self._parallelism = parallelism
        return self

    def set_max_parallelism(self, max_parallelism: int) -> "DataStream":
        self._max_parallelism = max_parallelism
        return self

    def get_type(self) -> TypeInformation:
        return self._type_info

    def get_execution_environment(self) -> Any:
        return self._env

    def get_execution_config(self) -> Any:
        return self._env.get_config()

    def force_non_parallel(self) -> "DataStream":
        self._parallelism = 1
        return self

    def set_buffer_timeout(self, timeout_millis: int) -> "DataStream":
        return self

    def start_new_chain(self) -> "DataStream":
        return self

    def disable_chaining(self) -> "DataStream":
        return self

    def slot_sharing_group(self, slot_sharing_group: Any) -> "DataStream":
        return self

    # -- partitioning: the elements stay what they are ---------------------
    def _same(self, what: str) -> "DataStream":
        return self._derive(self._type_info, lambda t_env: self._table(t_env), what, kind=self._kind)

    def shuffle(self) -> "DataStream":
        return self._same("Shuffle")

    def rebalance(self) -> "DataStream":
        return self._same("Rebalance")

    def rescale(self) -> "DataStream":
        return self._same("Rescale")

    def forward(self) -> "DataStream":
        return self._same("Forward")

    def broadcast(self, *args: Any) -> Any:
        if args:
            raise NotImplementedError("broadcast(MapStateDescriptor): broadcast state is not supported by Sluice yet")
        return self._same("Broadcast")

    def global_(self) -> "DataStream":
        return self._same("Global")

    def partition_custom(self, partitioner: Any, key_selector: Any) -> "DataStream":
        return self._same("Custom Partition")

    # -- transformations ----------------------------------------------------
    def map(self, func: Any, output_type: Optional[TypeInformation] = None) -> "DataStream":
        """Each element through func (a MapFunction or a callable); the
        result has output_type (pickled Python objects when None)."""
        call, fn = _user_call(func, MapFunction, "map", "map")
        return self._map(call, fn, output_type, "Map", _name_of(call))

    def _map(self, call: Callable[[Any], Any], fn: Any, output_type: Optional[TypeInformation], what: str,
             name: str) -> "DataStream":
        fused = self._fusable
        if fused is not None and fn is None:
            # A map of a map whose elements are pickled Python objects: one
            # row UDF of the two functions over the first map's input, with
            # no pickling in between (PyFlink chains them in one Python
            # operator). The first map's own stream still runs as itself.
            source, first = fused

            def both(v: Any) -> Any:
                return call(first(v))
            out = source._map(both, None, output_type, what, name)
            return out
        in_conv = self._element_conv()
        out_conv = _convert.to_sql(output_type)
        if self._kind:
            def f(v: Any, k: int) -> Any:
                r = call(in_conv(v, k))
                return out_conv(r) if out_conv is not None else r
        else:
            f = _convert.compose(in_conv, call, out_conv) or call
        result = _convert.data_type_of(output_type)

        def build(t_env: Any) -> Any:
            from sluice.table.udf import udf
            u = udf(_adapter(fn, f) if fn is not None else f, result_type=result, name=name)
            return self._table(t_env).select(u(*self._element_args()).alias("f0"), *self._carried())
        out = self._derive(output_type, build, what)
        if fn is None and not self._kind and self._custom_element is None and _convert.is_pickled(output_type):
            out._fusable = (self, call)
        return out

    def flat_map(self, func: Any, output_type: Optional[TypeInformation] = None) -> "DataStream":
        """The elements func (a FlatMapFunction or a callable returning an
        iterable, or a generator) gives for each element."""
        call, fn = _user_call(func, FlatMapFunction, "flat_map", "flat_map")
        return self._flat_map(call, fn, output_type, "FlatMap", _name_of(call))

    def _flat_map(self, call: Callable[[Any], Any], fn: Any, output_type: Optional[TypeInformation], what: str,
                  name: str) -> "DataStream":
        in_conv = self._element_conv()
        out_conv = _convert.to_sql(output_type)

        def elements(*args: Any) -> Any:
            r = call(in_conv(*args) if in_conv is not None else args[0])
            if r is None:
                return []
            if out_conv is None:
                return list(r)
            return [out_conv(x) for x in r]
        return self._expand(elements, fn, output_type, what, name)

    def _expand(self, elements: Callable[..., List[Any]], fn: Any, output_type: Optional[TypeInformation],
                what: str, name: str, with_rowtime: bool = False) -> "DataStream":
        """A stream of the lists elements(f0) gives, one element per item:
        a row UDF returning ARRAY<T> and an UNNEST, the udtf's machinery
        without its expansion of ROW elements into columns."""
        result = _convert.data_type_of(output_type)
        from sluice.table.types import DataTypes

        def build(t_env: Any) -> Any:
            from sluice.table.udf import udf
            u = udf(_adapter(fn, elements) if fn is not None else elements, result_type=DataTypes.ARRAY(result),
                    name=name)
            args = self._element_args() + (self._carried() if with_rowtime else [])
            arrays = self._table(t_env).select(u(*args).alias("a"), *self._carried())
            return _unnest(t_env, arrays, result, self._rowtime)
        return self._derive(output_type, build, what)

    def filter(self, func: Any) -> "DataStream":
        """The elements for which func (a FilterFunction or a callable)
        is true."""
        call, fn = _user_call(func, FilterFunction, "filter", "filter")
        in_conv = self._element_conv()
        if in_conv is None:
            def keep(v: Any) -> bool:
                return bool(call(v))
        else:
            def keep(*args: Any) -> bool:
                return bool(call(in_conv(*args)))
        name = _name_of(call)

        def build(t_env: Any) -> Any:
            from sluice.table.udf import udf
            from sluice.table.types import DataTypes
            u = udf(_adapter(fn, keep) if fn is not None else keep, result_type=DataTypes.BOOLEAN(), name=name)
            return self._table(t_env).filter(u(*self._element_args()))
        return self._derive(self._type_info, build, "Filter", kind=self._kind)

    def process(self, func: Any, output_type: Optional[TypeInformation] = None) -> "DataStream":
        """A ProcessFunction on a stream that is not keyed: its elements
        for each element; ctx.timestamp() is the element's timestamp
        (Long.MIN_VALUE without assign_timestamps_and_watermarks, as
        PyFlink's). Timers need a KeyedStream."""
        if not isinstance(func, ProcessFunction):
            raise TypeError("process takes a ProcessFunction, not %r" % (func,))
        ctx = _ProcessContext()
        in_conv = self._element_conv()
        out_conv = _convert.to_sql(output_type)
        rowtime = self._rowtime

        def elements(*args: Any) -> Any:
            if rowtime:
                t = args[-1]
                args = args[:-1]
                ctx._ts = _NO_TIMESTAMP if t is None else int(t.timestamp() * 1000)
            r = func.process_element(in_conv(*args) if in_conv is not None else args[0], ctx)
            if r is None:
                return []
            return list(r) if out_conv is None else [out_conv(x) for x in r]
        return self._expand(elements, func, output_type, "Process", type(func).__name__, with_rowtime=rowtime)

    def union(self, *streams: "DataStream") -> "DataStream":
        """This stream's elements and those of streams (same type)."""
        for s in streams:
            if s._type_info != self._type_info:
                raise ValueError("Cannot union streams of different types: %s and %s" % (self._type_info, s._type_info))
        parts = [self] + list(streams)
        # The timestamps and row kinds go on when every part has them.
        rowtime = all(p._rowtime for p in parts)
        kind = all(p._kind for p in parts)

        def build(t_env: Any) -> Any:
            from sluice.table.expressions import col
            cols = [col("f0")] + ([col("rowtime")] if rowtime else []) + ([col("kind")] if kind else [])
            tables = [p._table(t_env) for p in parts]
            tables = [t if p._rowtime == rowtime and p._kind == kind else t.select(*cols)
                      for p, t in zip(parts, tables)]
            t = tables[0]
            for x in tables[1:]:
                t = t.union_all(x)
            return t
        return DataStream(self._env, self._type_info, build, "Union", parts, rowtime=rowtime, kind=kind)

    def connect(self, ds: "DataStream") -> "ConnectedStreams":
        return ConnectedStreams(self, ds)

    def key_by(self, key_selector: Any, key_type: Optional[TypeInformation] = None) -> "KeyedStream":
        """The stream partitioned by key_selector(element) (a KeySelector
        or a callable); key_type types the key (pickled when None)."""
        if isinstance(key_selector, KeySelector):
            selector = key_selector.get_key
        elif callable(key_selector):
            selector = key_selector
        else:
            raise TypeError("Parameter key_selector should be type of KeySelector or a callable function.")
        return KeyedStream(self, selector, key_type)

    def assign_timestamps_and_watermarks(self, watermark_strategy: Any) -> "DataStream":
        from sluice.datastream._time import assign_timestamps
        return assign_timestamps(self, watermark_strategy)

    # -- sinks ----------------------------------------------------------------
    def print(self, sink_identifier: Optional[str] = None) -> "DataStreamSink":
        """Each element's text on standard output, as PyFlink's print():
        "N> " before it when the job runs in parallel."""
        return self._print(sink_identifier, False)

    def print_to_err(self, sink_identifier: Optional[str] = None) -> "DataStreamSink":
        return self._print(sink_identifier, True)

    def _print(self, sink_identifier: Optional[str], stderr: bool) -> "DataStreamSink":
        text = self._as_text()
        opts = {"connector": "datastream-print"}
        if sink_identifier is not None:
            opts["print-identifier"] = sink_identifier
        if stderr:
            opts["standard-error"] = "true"
        return self._env._add_sink(text, "Print to Std. Out", lambda t_env: _sink_table(t_env, "f0 STRING", opts))

    def _as_text(self) -> "DataStream":
        fmt = _convert.print_text(self._type_info)
        if self._type_info == Types.STRING() and not self._kind:
            return self
        return self._map(fmt, None, Types.STRING(), "Map", "python_obj_to_str")

    def _values_only(self) -> Any:
        """A builder of this stream's table with column f0 alone (what a
        sink writes)."""
        def build(t_env: Any) -> Any:
            t = self._table(t_env)
            if not self._rowtime and not self._kind:
                return t
            from sluice.table.expressions import col
            return t.select(col("f0"))
        return build

    def sink_to(self, sink: Any) -> "DataStreamSink":
        """A Sink of pyflink.datastream.connectors (KafkaSink, FileSink)."""
        from sluice.datastream.connectors import _sink_of
        return _sink_of(self, sink)

    def add_sink(self, sink_func: Any) -> "DataStreamSink":
        from sluice.datastream.connectors import _sink_of
        return _sink_of(self, sink_func)

    def execute_and_collect(self, job_execution_name: Optional[str] = None, limit: Optional[int] = None) -> Any:
        """Runs the program (with the sinks declared so far) and gives this
        stream's elements: an iterator, or a list of the first ``limit``."""
        it = CloseableIterator(self, job_execution_name)
        if limit is None:
            return it
        out = []
        try:
            for v in it:
                out.append(v)
                if len(out) >= limit:
                    break
        finally:
            it.close()
        return out

    # -- what Sluice does not run yet -----------------------------------------
    def get_side_output(self, output_tag: Any) -> "DataStream":
        raise NotImplementedError("get_side_output: side outputs are not supported by Sluice yet")

    def window_all(self, window_assigner: Any) -> Any:
        raise NotImplementedError("window_all: windows over a stream that is not keyed are not supported by Sluice "
                                  "yet; key_by(...).window(...) or a Table API window")

    def count_window_all(self, size: int, slide: int = 0) -> Any:
        return self.window_all(None)

    def cache(self) -> "DataStream":
        return self

    def __repr__(self) -> str:
        return "<DataStream %s: %s>" % (self._name or "?", self._type_info)


def _unnest(t_env: Any, arrays: Any, element: Any, rowtime: bool = False) -> Any:
    """One row per element of column a of arrays, in column f0 (a ROW
    element stays one column, re-assembled from UNNEST's columns), with
    the rowtime of the row it came from."""
    from sluice.table.types import RowType
    from sluice.table.expression import _quote_ident
    view = _quote_ident(str(arrays))
    keep = ", %s.`rowtime`" % view if rowtime else ""
    if isinstance(element, RowType):
        names = element.field_names()
        cols = ", ".join("u.%s" % _quote_ident("x%d" % i) for i in range(len(names)))
        alias = ", ".join(_quote_ident("x%d" % i) for i in range(len(names)))
        sql = "SELECT CAST(ROW(%s) AS %s) AS f0%s FROM %s CROSS JOIN UNNEST(%s.a) AS u(%s)" % (
            cols, element.to_sql().replace(" NOT NULL", ""), keep, view, view, alias)
    else:
        sql = "SELECT u.x AS f0%s FROM %s CROSS JOIN UNNEST(%s.a) AS u(x)" % (keep, view, view)
    return t_env.sql_query(sql)


def _sink_table(t_env: Any, columns: str, options: Dict[str, str]) -> str:
    """A temporary table of the connector options, for a sink's INSERT."""
    name = "__datastream_sink_%d" % next(_names)
    with_ = ", ".join("'%s' = '%s'" % (k, str(v).replace("'", "''")) for k, v in options.items())
    t_env.execute_sql("CREATE TEMPORARY TABLE `%s` (%s) WITH (%s)" % (name, columns, with_))
    return name


class _ProcessContext(ProcessFunction.Context):
    def __init__(self) -> None:
        self._ts = _NO_TIMESTAMP

    def timer_service(self) -> Any:
        raise NotImplementedError("timers are only available on a KeyedStream (key_by(...).process(...))")

    def timestamp(self) -> Any:
        return self._ts


class DataStreamSink(object):
    """What a sink returns: names and settings of the sink (recorded)."""

    def __init__(self, stream: DataStream, name: str) -> None:
        self._stream = stream
        self._name = name

    def name(self, name: str) -> "DataStreamSink":
        self._name = name
        return self

    def uid(self, uid: str) -> "DataStreamSink":
        return self

    def set_uid_hash(self, uid_hash: str) -> "DataStreamSink":
        return self

    def set_description(self, description: str) -> "DataStreamSink":
        return self

    def set_parallelism(self, parallelism: int) -> "DataStreamSink":
        return self

    def disable_chaining(self) -> "DataStreamSink":
        return self

    def slot_sharing_group(self, slot_sharing_group: Any) -> "DataStreamSink":
        return self


class KeyedStream(DataStream):
    """A stream partitioned by a key: map/filter/flat_map work per element
    as on any stream; reduce, process and windows keep state per key."""

    def __init__(self, stream: DataStream, selector: Callable[[Any], Any], key_type: Optional[TypeInformation]) -> None:
        super().__init__(stream._env, stream._type_info, lambda t_env: stream._table(t_env), "Keyed", [stream],
                         rowtime=stream._rowtime, kind=stream._kind)
        # (its elements are the stream's: map/filter/print of a KeyedStream
        # see them as the stream does)
        self._custom_element = stream._custom_element
        self._custom_collect = stream._custom_collect
        self._stream = stream
        self._selector = selector
        self._key_type = key_type if key_type is not None else PickledBytesTypeInfo()

    def reduce(self, func: Any) -> DataStream:
        from sluice.datastream._keyed_bridge import keyed_reduce
        return keyed_reduce(self, func)

    def process(self, func: Any, output_type: Optional[TypeInformation] = None) -> DataStream:
        from sluice.datastream._keyed_bridge import keyed_process
        return keyed_process(self, func, output_type)

    def window(self, window_assigner: Any) -> Any:
        from sluice.datastream._keyed_bridge import keyed_window
        return keyed_window(self, window_assigner)

    def count_window(self, size: int, slide: int = 0) -> Any:
        from sluice.datastream._keyed_bridge import keyed_count_window
        return keyed_count_window(self, size, slide)

    def sum(self, position_to_sum: Any = 0) -> DataStream:
        return self.reduce(_aggregation(self._type_info, position_to_sum, lambda a, b: a + b, None))

    def min(self, position_to_min: Any = 0) -> DataStream:
        return self.reduce(_aggregation(self._type_info, position_to_min, min, None))

    def max(self, position_to_max: Any = 0) -> DataStream:
        return self.reduce(_aggregation(self._type_info, position_to_max, max, None))

    def min_by(self, position_to_min_by: Any = 0) -> DataStream:
        return self.reduce(_aggregation(self._type_info, position_to_min_by, None, "min"))

    def max_by(self, position_to_max_by: Any = 0) -> DataStream:
        return self.reduce(_aggregation(self._type_info, position_to_max_by, None, "max"))

    def union(self, *streams: DataStream) -> DataStream:
        return DataStream.union(self._stream, *streams)


def _aggregation(type_info: Any, position: Any, combine: Any, by: Optional[str]) -> Callable[[Any, Any], Any]:
    """A reduce function of PyFlink's sum/min/max/min_by/max_by: the field
    at position (an index or a name) of tuples and Rows, or the value."""
    def get(v: Any) -> Any:
        if isinstance(v, (tuple, list)) or hasattr(v, "_values"):
            return v[position]
        return v

    def put(v: Any, x: Any) -> Any:
        if isinstance(v, tuple) and not hasattr(v, "_values"):
            lst = list(v)
            lst[position] = x
            return tuple(lst)
        if isinstance(v, list) or hasattr(v, "_values"):
            v[position] = x
            return v
        return x

    def reduce(a: Any, b: Any) -> Any:
        if by == "min":
            return b if get(b) < get(a) else a
        if by == "max":
            return b if get(b) > get(a) else a
        return put(a, combine(get(a), get(b)))
    return reduce


class ConnectedStreams(object):
    """Two streams, maybe of different types, for a CoMapFunction or
    CoFlatMapFunction: map1 over the first stream's elements and map2 over
    the second's, into one stream."""

    def __init__(self, stream1: DataStream, stream2: DataStream) -> None:
        self.stream1 = stream1
        self.stream2 = stream2

    def key_by(self, key_selector1: Any, key_selector2: Any, key_type: Any = None) -> "ConnectedStreams":
        return ConnectedStreams(self.stream1.key_by(key_selector1, key_type),
                                self.stream2.key_by(key_selector2, key_type))

    def map(self, func: Any, output_type: Optional[TypeInformation] = None) -> DataStream:
        if not isinstance(func, CoMapFunction):
            raise TypeError("The input must be a CoMapFunction")
        a = self.stream1._map(func.map1, func, output_type, "Co-Map", "map1")
        b = self.stream2._map(func.map2, func, output_type, "Co-Map", "map2")
        return DataStream.union(a, b)

    def flat_map(self, func: Any, output_type: Optional[TypeInformation] = None) -> DataStream:
        if not isinstance(func, CoFlatMapFunction):
            raise TypeError("The input must be a CoFlatMapFunction")
        a = self.stream1._flat_map(func.flat_map1, func, output_type, "Co-Flat Map", "flat_map1")
        b = self.stream2._flat_map(func.flat_map2, func, output_type, "Co-Flat Map", "flat_map2")
        return DataStream.union(a, b)

    def process(self, func: Any, output_type: Any = None) -> DataStream:
        raise NotImplementedError("ConnectedStreams.process: co-process functions (state and timers over two "
                                  "streams) are not supported by Sluice yet; use map/flat_map")


class _Unsupported(object):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("%s: not supported by Sluice yet" % type(self).__name__)


class AllWindowedStream(_Unsupported):
    pass


class BroadcastStream(_Unsupported):
    pass


class BroadcastConnectedStream(_Unsupported):
    pass


class CloseableIterator(object):
    """The elements of a running job's stream, as they come (PyFlink's
    execute_and_collect); ``close()`` cancels the job."""

    def __init__(self, stream: DataStream, job_name: Optional[str] = None) -> None:
        from sluice import _native
        env = stream._env
        t_env = env._table_env()
        env._submit_pending(t_env, job_name)
        table = stream._table(t_env)
        self._h = _native.Handle(_native.call("table.stream", table._h.id))
        self._conv = _convert.from_pylist(stream._type_info)
        self._kind = stream._kind
        self._custom = stream._custom_collect
        self._items: List[Any] = []
        self._pos = 0
        self._done = False

    def __iter__(self) -> "CloseableIterator":
        return self

    def __next__(self) -> Any:
        from sluice import _native
        while self._pos >= len(self._items):
            if self._done:
                raise StopIteration
            item = _native.call("stream.next", self._h.id)
            if item is None:
                self._done = True
                raise StopIteration
            batch, _ = item
            conv = self._conv
            if self._custom is not None:
                kinds = batch.column(batch.num_columns - 1).to_pylist()
                self._items = [self._custom(v, k) for v, k in zip(batch.column(0).to_pylist(), kinds)]
            else:
                self._items = [conv(v) for v in batch.column(0).to_pylist()]
            if self._kind and self._custom is None:
                from sluice.common import RowKind
                kinds = batch.column(batch.num_columns - 1).to_pylist()
                for v, k in zip(self._items, kinds):
                    v.set_row_kind(RowKind(k))
            self._pos = 0
        v = self._items[self._pos]
        self._pos += 1
        return v

    def next(self) -> Any:
        return self.__next__()

    def close(self) -> None:
        from sluice import _native
        if not self._done:
            self._done = True
            _native.call("stream.cancel", self._h.id)

    def __enter__(self) -> "CloseableIterator":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def __getattr__(name: str) -> Any:
    # WindowedStream is the keyed operator's (_keyed.py, which loads
    # pyarrow): imported when first asked for.
    if name == "WindowedStream":
        from sluice.datastream._keyed import WindowedStream
        return WindowedStream
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
