"""Data views for the accumulators of aggregate functions (PyFlink's
``pyflink.table.data_view``): a list and a dict with PyFlink's methods.

Sluice keeps an accumulator, views included, as one pickled value in the
operator's keyed state (Pebble or the heap backend): the views are
checkpointed and restored with it, and leave memory with it when the
operator's group cache evicts the group."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, Generic, Iterable, Iterator, List, Tuple, TypeVar

__all__ = ["DataView", "ListView", "MapView"]

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")


class DataView(ABC):
    """A collection an accumulator may hold."""

    @abstractmethod
    def clear(self) -> None:
        ...


class ListView(DataView, Generic[T]):
    """A list of values: ``add``, ``add_all``, ``get`` (an iterable), ``clear``."""

    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: List[T] = []

    def get(self) -> Iterable[T]:
        return self._items

    def add(self, value: T) -> None:
        self._items.append(value)

    def add_all(self, values: List[T]) -> None:
        self._items.extend(values)

    def clear(self) -> None:
        self._items = []

    def __iter__(self) -> Iterator[T]:
        return iter(self._items)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, ListView) and list(self) == list(other)

    def __hash__(self) -> int:
        return hash(tuple(self._items))

    def __getstate__(self) -> List[T]:
        return self._items

    def __setstate__(self, items: List[T]) -> None:
        self._items = items

    def __repr__(self) -> str:
        return "ListView(%r)" % (self._items,)


class MapView(Generic[K, V]):
    """A map: ``get``, ``put``, ``put_all``, ``remove``, ``contains``,
    ``items``/``keys``/``values``, ``is_empty``, ``clear``, and the dict
    operators ``[]``, ``del``, ``in`` and iteration over the keys."""

    __slots__ = ("_map",)

    def __init__(self) -> None:
        self._map: Dict[K, V] = {}

    def get(self, key: K) -> V:
        return self._map[key]

    def put(self, key: K, value: V) -> None:
        self._map[key] = value

    def put_all(self, dict_value: Dict[K, V]) -> None:
        self._map.update(dict_value)

    def remove(self, key: K) -> None:
        del self._map[key]

    def contains(self, key: K) -> bool:
        return key in self._map

    def items(self) -> Iterable[Tuple[K, V]]:
        return self._map.items()

    def keys(self) -> Iterable[K]:
        return self._map.keys()

    def values(self) -> Iterable[V]:
        return self._map.values()

    def is_empty(self) -> bool:
        return not self._map

    def clear(self) -> None:
        self._map.clear()

    def __getitem__(self, key: K) -> V:
        return self._map[key]

    def __setitem__(self, key: K, value: V) -> None:
        self._map[key] = value

    def __delitem__(self, key: K) -> None:
        del self._map[key]

    def __contains__(self, key: object) -> bool:
        return key in self._map

    def __iter__(self) -> Iterator[K]:
        return iter(self._map)

    def __len__(self) -> int:
        return len(self._map)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, MapView) and self._map == other._map

    def __hash__(self) -> int:
        return id(self)

    def __getstate__(self) -> Dict[K, V]:
        return self._map

    def __setstate__(self, m: Dict[K, V]) -> None:
        self._map = m

    def __repr__(self) -> str:
        return "MapView(%r)" % (self._map,)
