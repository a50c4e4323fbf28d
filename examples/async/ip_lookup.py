"""An async scalar function in SQL: each client IP of CDN access logs is
looked up in an IP-to-province HTTP service, many requests in flight at once.

The service is a tiny asyncio HTTP server this script starts on a local
port (no external network); it answers ``GET /province?ip=1.2.3.4`` with the
province after LOOKUP_LATENCY seconds, as a remote service would. One lookup
at a time, 2,000 rows would take 10 s; with ``concurrency`` 50 they take a
second or less, in the rows' order.

Run: sluice run examples/async/ip_lookup.py
"""
from __future__ import annotations

import asyncio
import random
import threading
import time
from typing import Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
from pyflink.table.udf import FunctionContext, ScalarFunction, udf

LOOKUP_LATENCY = 0.005

# The service's table: the first octet of an address → province.
PROVINCES: Dict[str, str] = {
    "1": "Beijing", "14": "Shanghai", "27": "Guangdong", "36": "Zhejiang", "42": "Sichuan",
    "58": "Jiangsu", "61": "Hubei", "101": "Shandong", "110": "Henan", "119": "Fujian",
}


def province_of(ip: str) -> str:
    return PROVINCES.get(ip.split(".", 1)[0], "unknown")


# ---- the service ----------------------------------------------------------


class LookupServer:
    """The HTTP service, on its own thread and event loop."""

    def __init__(self) -> None:
        self.port = 0
        self.requests = 0
        self._ready = threading.Event()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._stop: Optional[asyncio.Event] = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()), name="ip-service", daemon=True)

    def __enter__(self) -> "LookupServer":
        self._thread.start()
        self._ready.wait()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join()

    async def _serve(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=256)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        target = head.split(b"\r\n", 1)[0].split()[1].decode()
        ip = parse_qs(urlsplit(target).query).get("ip", [""])[0]
        self.requests += 1
        await asyncio.sleep(LOOKUP_LATENCY)
        body = province_of(ip).encode()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                     b"Connection: close\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()


# ---- the function -----------------------------------------------------------


class IpToProvince(ScalarFunction):
    """An HTTP GET per row. ``concurrency`` bounds the requests in flight
    (udf(..., concurrency=N) would too)."""

    concurrency = 50

    def open(self, function_context: FunctionContext) -> None:
        self.port = int(function_context.get_job_parameter("ip-service.port", "0"))
        self.lookups = 0

    async def eval(self, ip: Optional[str]) -> Optional[str]:
        if ip is None:
            return None
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            writer.write(b"GET /province?ip=%s HTTP/1.1\r\nHost: ip-service\r\nConnection: close\r\n\r\n"
                         % ip.encode())
            response = await reader.read()  # the server closes after one answer
        finally:
            writer.close()
            await writer.wait_closed()
        head, body = response.split(b"\r\n\r\n", 1)
        status = head.split(b" ", 2)[1]
        if status != b"200":
            raise RuntimeError("ip-service answered %s for %s" % (status.decode(), ip))
        self.lookups += 1
        return body.decode()


ip_to_province = udf(IpToProvince(), result_type=DataTypes.STRING())


def access_log(rows: int = 2000, seed: int = 13) -> List[Tuple[str, str, int]]:
    rnd = random.Random(seed)
    firsts = list(PROVINCES) + ["200", "223"]  # two outside the service's table
    return [("r%d" % i, "%s.%d.%d.%d" % (rnd.choice(firsts), rnd.randrange(256), rnd.randrange(256),
                                         rnd.randrange(1, 255)), rnd.randrange(100, 5000))
            for i in range(rows)]


def main() -> List[Tuple[str, int, int]]:
    logs = access_log()
    with LookupServer() as server:
        t_env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
        t_env.get_config().set("pipeline.global-job-parameters", "ip-service.port:%d" % server.port)
        t_env.create_temporary_function("ip_to_province", ip_to_province)
        t_env.create_temporary_view("cdn_access_log", t_env.from_elements(
            logs, DataTypes.ROW([DataTypes.FIELD("uuid", DataTypes.STRING()),
                                 DataTypes.FIELD("client_ip", DataTypes.STRING()),
                                 DataTypes.FIELD("response_size", DataTypes.BIGINT())])))
        start = time.perf_counter()
        result = t_env.execute_sql("""
            SELECT province, COUNT(*) AS requests, SUM(response_size) AS traffic
            FROM (SELECT ip_to_province(client_ip) AS province, response_size FROM cdn_access_log)
            GROUP BY province
            ORDER BY requests DESC, province""")
        rows = [(r[0], r[1], r[2]) for r in result.collect()]
        took = time.perf_counter() - start
        requests = server.requests
    for province, n, size in rows:
        print("%-10s %5d requests %9d bytes" % (province, n, size))
    print("%d lookups of %.0f ms each in %.2f s (one at a time: %.1f s)"
          % (requests, LOOKUP_LATENCY * 1000, took, requests * LOOKUP_LATENCY))
    return rows


if __name__ == "__main__":
    main()
