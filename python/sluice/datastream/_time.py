"""assign_timestamps_and_watermarks: a stream's elements get timestamps in
a column ``rowtime`` (TIMESTAMP_LTZ(3), from the strategy's
TimestampAssigner, a row UDF) that becomes the table's rowtime attribute,
with the strategy's watermarks (SLUICE_DS_WATERMARK, the planner's
watermark assigner). Flink's bounded-out-of-orderness watermark is the
largest timestamp seen minus the bound minus 1 ms; for_monotonous_timestamps
is a bound of 0."""
from __future__ import annotations

from typing import Any

__all__ = ["assign_timestamps"]

_NO_TIMESTAMP = -9223372036854775808  # Long.MIN_VALUE: a record without a timestamp


def assign_timestamps(ds: Any, strategy: Any) -> Any:
    from sluice.common.watermark_strategy import WatermarkStrategy
    from sluice.datastream.data_stream import DataStream
    if not isinstance(strategy, WatermarkStrategy):
        raise TypeError("assign_timestamps_and_watermarks takes a WatermarkStrategy, not %r" % (strategy,))
    kind = strategy._kind
    if kind == "no_watermarks":
        return ds
    if kind == "monotonous":
        bound_ms = 0
    elif kind == "bounded_out_of_orderness":
        bound_ms = strategy._max_out_of_orderness.to_milliseconds()
    else:
        raise ValueError("assign_timestamps_and_watermarks: Sluice runs for_monotonous_timestamps and "
                         "for_bounded_out_of_orderness strategies, not %s" % kind)
    assigner = strategy._timestamp_assigner
    if assigner is None and not ds._rowtime:
        raise ValueError("assign_timestamps_and_watermarks: the elements of this stream carry no timestamps; "
                         "give the strategy a TimestampAssigner (with_timestamp_assigner)")
    conv = ds._element_conv()
    kinds = ds._kind
    had_rowtime = ds._rowtime

    def extract(*args: Any) -> int:
        rt = _NO_TIMESTAMP
        if had_rowtime:
            t = args[-1]
            args = args[:-1]
            if t is not None:
                rt = int(t.timestamp() * 1000)
        value = conv(*args) if conv is not None else args[0]
        return int(assigner.extract_timestamp(value, rt))

    def build(t_env: Any) -> Any:
        from sluice.table.expression import _quote_ident
        from sluice.table.expressions import col, to_timestamp_ltz
        from sluice.table.types import DataTypes
        from sluice.table.udf import udf
        t = ds._table(t_env)
        if assigner is not None:
            u = udf(extract, result_type=DataTypes.BIGINT(), name="extract_timestamp")
            args = ds._element_args() + ([col("rowtime")] if had_rowtime else [])
            t = t.select(*([col("f0")] + ([col("kind")] if kinds else []) +
                           [to_timestamp_ltz(u(*args), 3).alias("rowtime")]))
        delay = "%d.%03d" % divmod(bound_ms + 1, 1000)
        idle = ", %d" % strategy._idle_timeout.to_milliseconds() if strategy._idle_timeout is not None else ""
        return t_env.sql_query("SELECT * FROM TABLE(SLUICE_DS_WATERMARK(TABLE %s, DESCRIPTOR(`rowtime`), "
                               "`rowtime` - INTERVAL '%s' SECOND%s))" % (_quote_ident(str(t)), delay, idle))
    out = DataStream(ds._env, ds._type_info, build, "Timestamps/Watermarks", [ds], rowtime=True, kind=kinds)
    out._custom_element = ds._custom_element
    out._custom_collect = ds._custom_collect
    return out
