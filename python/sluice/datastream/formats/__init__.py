"""``pyflink.datastream.formats``: record formats of DataStream sources and
sinks (json)."""
