"""The iteration order of a java.util.HashMap, which Flink's descriptors
print their options in (TableDescriptor, FormatDescriptor): PyFlink shows
them in that order, so str() and get_options() here follow it."""
from __future__ import annotations

from typing import Dict, List, Tuple


def _string_hash(s: str) -> int:
    """java.lang.String.hashCode over UTF-16 code units, as an unsigned
    32-bit value."""
    h = 0
    data = s.encode("utf-16-be")
    for i in range(0, len(data), 2):
        h = (31 * h + ((data[i] << 8) | data[i + 1])) & 0xFFFFFFFF
    return h


def hashmap_order(items: List[Tuple[str, str]]) -> Dict[str, str]:
    """The entries of a HashMap filled with ``items`` in this order (a key
    put again keeps its first place), in the map's iteration order: by
    bucket (the spread hash masked by the table's capacity, which starts at
    16 and doubles past a load of 0.75), then by insertion within one."""
    first: Dict[str, int] = {}
    values: Dict[str, str] = {}
    for k, v in items:
        if k not in first:
            first[k] = len(first)
        values[k] = v
    cap = 16
    while len(first) > cap * 3 // 4:
        cap *= 2

    def bucket(k: str) -> int:
        h = _string_hash(k)
        return (h ^ (h >> 16)) & (cap - 1)

    return {k: values[k] for k in sorted(first, key=lambda k: (bucket(k), first[k]))}


def map_string(d: Dict[str, str]) -> str:
    """java.util.AbstractMap.toString: ``{k=v, k2=v2}``."""
    return "{" + ", ".join("%s=%s" % (k, v) for k, v in d.items()) + "}"
