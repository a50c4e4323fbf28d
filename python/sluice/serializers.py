"""``pyflink.serializers``: the pickle serializers PyFlink writes Python
objects to files and sockets with. Same wire format: each record is a
big-endian 32-bit length and that many bytes (-1 ends the data, -2 is
None); BatchedSerializer writes lists of records as one record."""
from __future__ import annotations

import pickle
import struct
from itertools import chain
from typing import Any, BinaryIO, Iterable, Iterator, List

__all__ = ["SpecialLengths", "IterableSerializer", "VarLengthDataSerializer", "PickleSerializer", "BatchedSerializer",
           "read_int", "write_int"]


class SpecialLengths(object):
    END_OF_DATA_SECTION = -1
    NULL = -2


def read_int(stream: BinaryIO) -> int:
    b = stream.read(4)
    if not b:
        raise EOFError
    return struct.unpack("!i", b)[0]


def write_int(value: int, stream: BinaryIO) -> None:
    stream.write(struct.pack("!i", value))


class IterableSerializer(object):
    def serialize(self, iterable: Iterable[Any], stream: BinaryIO) -> None:
        raise NotImplementedError

    def deserialize(self, stream: BinaryIO) -> Iterator[Any]:
        raise NotImplementedError

    def _load_from_stream_without_unbatching(self, stream: BinaryIO) -> Iterator[List[Any]]:
        # A serializer without batches yields one record per batch.
        return ([x] for x in self.deserialize(stream))


class VarLengthDataSerializer(IterableSerializer):
    """Records as (length, bytes) pairs; subclasses say how an object
    becomes bytes (dumps) and back (loads)."""

    def serialize(self, iterable: Iterable[Any], stream: BinaryIO) -> None:
        for obj in iterable:
            data = self.dumps(obj)
            if data is None:
                raise ValueError("Serialized value should not be None")
            if len(data) > (1 << 31):
                raise ValueError("Can not serialize object larger than 2G")
            write_int(len(data), stream)
            stream.write(data)

    def deserialize(self, stream: BinaryIO) -> Iterator[Any]:
        while True:
            try:
                n = read_int(stream)
            except EOFError:
                return
            if n == SpecialLengths.END_OF_DATA_SECTION:
                return
            if n == SpecialLengths.NULL:
                yield None
                continue
            data = stream.read(n)
            if len(data) < n:
                return
            yield self.loads(data)

    def dumps(self, obj: Any) -> bytes:
        raise NotImplementedError

    def loads(self, data: bytes) -> Any:
        raise NotImplementedError


class PickleSerializer(VarLengthDataSerializer):
    """Records pickled with protocol 3, as PyFlink's."""

    def dumps(self, obj: Any) -> bytes:
        return pickle.dumps(obj, 3)

    def loads(self, data: bytes) -> Any:
        return pickle.loads(data, encoding="bytes")


class BatchedSerializer(IterableSerializer):
    """Writes records in lists of batch_size (all in one list by default)
    through the wrapped serializer; reads them back one by one."""

    UNLIMITED_BATCH_SIZE = -1
    UNKNOWN_BATCH_SIZE = 0

    def __init__(self, serializer: VarLengthDataSerializer, batch_size: int = UNLIMITED_BATCH_SIZE) -> None:
        self.serializer = serializer
        self.batch_size = batch_size

    def __repr__(self) -> str:
        return "BatchedSerializer(%s, %d)" % (str(self.serializer), self.batch_size)

    def _batched(self, iterable: Iterable[Any]) -> Iterator[List[Any]]:
        if self.batch_size == self.UNLIMITED_BATCH_SIZE:
            yield list(iterable)
            return
        batch: List[Any] = []
        for item in iterable:
            batch.append(item)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    def serialize(self, iterator: Iterable[Any], stream: BinaryIO) -> None:
        self.serializer.serialize(self._batched(iterator), stream)

    def deserialize(self, stream: BinaryIO) -> Iterator[Any]:
        return chain.from_iterable(self._load_from_stream_without_unbatching(stream))

    def _load_from_stream_without_unbatching(self, stream: BinaryIO) -> Iterator[List[Any]]:
        return self.serializer.deserialize(stream)
