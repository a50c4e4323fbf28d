"""``pyflink.common.serializer``: TypeSerializer, the interface of the
serializers user-defined window assigners give for their windows."""
from __future__ import annotations

from abc import ABC, abstractmethod
from io import BytesIO
from typing import Any, Generic, TypeVar

T = TypeVar("T")

__all__ = ["TypeSerializer", "VoidNamespaceSerializer"]


class TypeSerializer(ABC, Generic[T]):
    """Serializes and deserializes the values of one type to/from a byte
    stream."""

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, self.__class__) and self.__dict__ == other.__dict__

    def __ne__(self, other: Any) -> bool:
        return not self.__eq__(other)

    def __repr__(self) -> str:
        return "%s()" % self.__class__.__name__

    def __hash__(self) -> int:
        return hash(str(self))

    @abstractmethod
    def serialize(self, element: T, stream: BytesIO) -> None:
        """Writes ``element`` to ``stream``."""

    @abstractmethod
    def deserialize(self, stream: BytesIO) -> T:
        """Reads one element from ``stream``."""

    def _to_bytes(self, element: T) -> bytes:
        out = BytesIO()
        self.serialize(element, out)
        return out.getvalue()

    def _from_bytes(self, data: bytes) -> T:
        return self.deserialize(BytesIO(data))


class VoidNamespaceSerializer(TypeSerializer[bytes]):
    """The serializer of the empty namespace."""

    def serialize(self, element: bytes, stream: BytesIO) -> None:
        pass

    def deserialize(self, stream: BytesIO) -> bytes:
        return b""
