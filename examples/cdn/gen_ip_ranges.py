"""Writes enjoyment/cdn/ip_ranges.csv: a made-up but stable table of IPv4
ranges to Chinese provinces (start,end,province), one range per /10
block. Real deployments replace it with ip2region's xdb (see cdn_udf.py).

    python3 gen_ip_ranges.py
"""
from __future__ import annotations

import csv
import os

PROVINCES = [
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆",
    "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆",
]


def main() -> None:
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "enjoyment", "cdn", "ip_ranges.csv")
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["start", "end", "province"])
        block = 1 << 22  # a /10
        for i in range(1 << 10):
            start = i * block
            # Multiplicative hashing spreads neighbouring blocks over provinces.
            w.writerow([start, start + block - 1, PROVINCES[(i * 2654435761 >> 7) % len(PROVINCES)]])


if __name__ == "__main__":
    main()
