"""UDFs of the Go API example: the seed job's ip_to_province with an
offline rule instead of a web service, and a pandas UDF for speed."""

from __future__ import annotations

import pandas as pd

PROVINCES = ["Beijing", "Shanghai", "Guangdong", "Zhejiang", "Sichuan", "Hubei", "Shaanxi"]


def ip_to_province(ip: str | None) -> str | None:
    # A real deployment looks the address up in an IP database (see
    # examples/cdn); here the first octet picks the province.
    if ip is None:
        return None
    return PROVINCES[int(ip.split(".", 1)[0]) % len(PROVINCES)]


def request_speed(size: pd.Series, secs: pd.Series) -> pd.Series:
    # bytes per second of each request; a zero duration has no speed
    return size / secs.where(secs > 0)
