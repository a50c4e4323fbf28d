"""``pyflink.datastream.data_stream``: the DataStream classes. Importable
(for type annotations and isinstance checks); Sluice does not run the
DataStream API yet, so none can be made: the environment's sources raise
NotImplementedError, as do these constructors."""
from __future__ import annotations

from typing import Any

__all__ = ["DataStream", "KeyedStream", "WindowedStream", "AllWindowedStream", "ConnectedStreams",
           "BroadcastStream", "BroadcastConnectedStream", "DataStreamSink", "CloseableIterator"]


class _NoDataStream(object):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("%s: the DataStream API is not supported by Sluice yet; use the Table API "
                                  "(TableEnvironment.from_elements, SQL)" % type(self).__name__)


class DataStream(_NoDataStream):
    pass


class KeyedStream(DataStream):
    pass


class WindowedStream(_NoDataStream):
    pass


class AllWindowedStream(_NoDataStream):
    pass


class ConnectedStreams(_NoDataStream):
    pass


class BroadcastStream(_NoDataStream):
    pass


class BroadcastConnectedStream(_NoDataStream):
    pass


class DataStreamSink(_NoDataStream):
    pass


class CloseableIterator(_NoDataStream):
    pass
