"""KeyedStream.process / reduce on the keyed stateful operator
(datastream.NewKeyedProcess with _keyed.make_runner's runner): the key
selector is a row UDF into a key column, the operator is registered with
the bridge and planned through SLUICE_DS_OPERATOR behind a hash exchange
on that key. Its output is column f0 (and the input's rowtime, which an
element's outputs keep and an event-time timer's outputs take as their
timestamp)."""
from __future__ import annotations

from typing import Any, Optional

from sluice.common.typeinfo import TypeInformation

__all__ = ["keyed_process", "keyed_reduce", "keyed_window", "keyed_count_window"]


def _keyed(ks: Any, func: Any, kind: str, output_type: Optional[TypeInformation], name: str) -> Any:
    from sluice import _native
    from sluice.datastream import _convert
    from sluice.datastream._keyed import make_runner
    from sluice.datastream.data_stream import DataStream
    stream = ks._stream
    if stream._kind:
        raise ValueError("KeyedStream.%s over a changelog stream (to_changelog_stream) is not supported by Sluice "
                         "yet: key an insert-only stream" % ("process" if kind == "process" else kind))
    # ROW elements reach the operator as a struct column, sliced by the hash
    # exchange: the operator compacts sliced nested columns before export.
    value_type = _none_if_pickled(stream.get_type())
    runner = make_runner(func, kind, output_type=output_type, key_type=_none_if_pickled(ks._key_type),
                         value_type=value_type)
    out_sql = _convert.data_type_of(output_type).to_sql().replace(" NOT NULL", "")
    op_name = "%s(function=[%s])" % ({"process": "KeyedProcess", "reduce": "KeyedReduce"}.get(kind, "Window"), name)
    op_id = _native.call("datastream.keyed_operator", runner, op_name, "__key", "f0",
                         "rowtime" if stream._rowtime else "", out_sql)
    conv = stream._element_conv()
    selector = ks._selector
    to_key = _convert.to_sql(ks._key_type)

    def key_of(v: Any) -> Any:
        k = selector(conv(v) if conv is not None else v)
        return to_key(k) if to_key is not None else k
    key_sql = _convert.data_type_of(ks._key_type)

    def build(t_env: Any) -> Any:
        from sluice.table.expression import _quote_ident
        from sluice.table.expressions import col
        from sluice.table.udf import udf
        u = udf(key_of, result_type=key_sql, name="key_selector")
        cols = [col("f0"), u(col("f0")).alias("__key")]
        keyed = stream._table(t_env).select(*(cols + stream._carried()))
        return t_env.sql_query("SELECT * FROM TABLE(SLUICE_DS_OPERATOR(TABLE %s, %d))"
                               % (_quote_ident(str(keyed)), op_id))
    return DataStream(stream._env, output_type, build, op_name.split("(")[0], [stream], rowtime=stream._rowtime)


def _none_if_pickled(ti: Any) -> Any:
    from sluice.datastream import _convert
    return None if _convert.is_pickled(ti) else _convert._unwrap(ti)


def keyed_process(ks: Any, func: Any, output_type: Optional[TypeInformation]) -> Any:
    from sluice.datastream.functions import KeyedProcessFunction, ProcessFunction
    if isinstance(func, ProcessFunction) and not isinstance(func, KeyedProcessFunction):
        # PyFlink runs a ProcessFunction on a keyed stream too (no key in
        # its context); the keyed operator's context has one.
        pass
    elif not isinstance(func, KeyedProcessFunction):
        raise TypeError("KeyedStream.process takes a KeyedProcessFunction, not %r" % (func,))
    return _keyed(ks, func, "process", output_type, type(func).__name__)


def keyed_reduce(ks: Any, func: Any) -> Any:
    from sluice.datastream.functions import ReduceFunction
    if not isinstance(func, ReduceFunction) and not callable(func):
        raise TypeError("The input must be a ReduceFunction or a callable function!")
    name = type(func).__name__ if isinstance(func, ReduceFunction) else getattr(func, "__name__", "reduce")
    return _keyed(ks, func, "reduce", ks._stream.get_type(), name)


def keyed_window(ks: Any, window_assigner: Any) -> Any:
    """key_by(...).window(assigner): the keyed operator's windows
    (_keyed.WindowedStream plans its reduce/aggregate/apply/process here)."""
    from sluice.datastream._keyed import WindowedStream
    from sluice.datastream.window import WindowAssigner
    if not isinstance(window_assigner, WindowAssigner):
        raise TypeError("KeyedStream.window takes a WindowAssigner, not %r" % (window_assigner,))
    return WindowedStream(ks, window_assigner)


def keyed_count_window(ks: Any, size: int, slide: int = 0) -> Any:
    """Windows of size elements per key, every slide elements when slide
    is given, as PyFlink's count_window."""
    from sluice.datastream.window import CountSlidingWindowAssigner, CountTumblingWindowAssigner
    if slide == 0:
        return keyed_window(ks, CountTumblingWindowAssigner.of(size))
    return keyed_window(ks, CountSlidingWindowAssigner.of(size, slide))
