"""The CDN job's UDF: client_ip → province, looked up offline.

The seed's version asked a web service per row; this one binary-searches
an IP-range table shipped beside it (ip_ranges.csv). Set IP2REGION_XDB to
an ip2region xdb file (and install its Python binding, `xdbSearcher`) to
use the real database instead."""
from __future__ import annotations

import bisect
import csv
import os
from typing import List, Optional

from pyflink.table import DataTypes
from pyflink.table.udf import udf

_HERE = os.path.dirname(os.path.abspath(__file__))


class _RangeTable:
    def __init__(self, path: str) -> None:
        self.starts: List[int] = []
        self.ends: List[int] = []
        self.names: List[str] = []
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                self.starts.append(int(row["start"]))
                self.ends.append(int(row["end"]))
                self.names.append(row["province"])

    def lookup(self, ip: str) -> Optional[str]:
        parts = ip.split(".")
        if len(parts) != 4:
            return None
        try:
            n = 0
            for p in parts:
                v = int(p)
                if not 0 <= v <= 255:
                    return None
                n = n << 8 | v
        except ValueError:
            return None
        i = bisect.bisect_right(self.starts, n) - 1
        if i >= 0 and n <= self.ends[i]:
            return self.names[i]
        return None


def _xdb_lookup(path: str):
    from xdbSearcher import XdbSearcher  # ip2region's binding
    searcher = XdbSearcher(contentBuff=XdbSearcher.loadContentFromFile(dbfile=path))

    def lookup(ip: str) -> Optional[str]:
        # region: 国家|区域|省份|城市|ISP
        fields = searcher.search(ip).split("|")
        return fields[2] if len(fields) > 2 and fields[2] != "0" else None

    return lookup


_xdb = os.environ.get("IP2REGION_XDB")
_lookup = _xdb_lookup(_xdb) if _xdb else _RangeTable(os.path.join(_HERE, "ip_ranges.csv")).lookup


@udf(input_types=[DataTypes.STRING()], result_type=DataTypes.STRING())
def ip_to_province(ip):
    """The province of an IPv4 address, or '未知' (unknown)."""
    if ip is None:
        return None
    return _lookup(ip) or "未知"
