"""UDFs of the CDN demo: the seed job's ip_to_province, with an offline
lookup table instead of a web service, and a pandas UDF for speed."""

from __future__ import annotations

import pandas as pd

# First two octets → province. A real deployment would load an IP database
# (for example ip2region's xdb file); the demo's table is generated.
PREFIXES: dict[str, str] = {}


def load_table(rows: list[tuple[str, str]]) -> None:
    PREFIXES.clear()
    PREFIXES.update(rows)


def ip_to_province(ip: str | None) -> str | None:
    if ip is None:
        return None
    a, b, _ = ip.split(".", 2)
    return PREFIXES.get(a + "." + b, "unknown")


def request_speed(size: pd.Series, secs: pd.Series) -> pd.Series:
    # bytes per second of each request; a zero duration has no speed
    return size / secs.where(secs > 0)
