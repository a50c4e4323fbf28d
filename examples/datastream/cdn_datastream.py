"""The seed's CDN job (examples/cdn/cdn_job.py) as a DataStream program:
per province, the number of accesses, the bytes downloaded and the
download speed, as running totals that change with every log line.

    bin/sluice run examples/datastream/cdn_datastream.py

reads CSV log lines (uuid,client_ip,request_time,response_size,uri) from
CDN_LOG_PATH (a file or a directory; examples/cdn/generate_logs.py --path
writes one). Without it, it writes CDN_LOG_COUNT (default 2000) lines of
its own into a temporary directory first. The totals are printed, one
line per update; with CDN_OUTPUT they go to text files under that
directory instead (FileSink).

The province comes from the table job's ip_to_province lookup
(examples/cdn/enjoyment/cdn/cdn_udf.py), called here as a plain function
inside map.
"""
import os
import random
import sys
import tempfile

from pyflink.common import Types, WatermarkStrategy
from pyflink.common.serialization import Encoder
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.connectors.file_system import FileSink, FileSource, StreamFormat
from pyflink.datastream.functions import MapFunction, ReduceFunction, RuntimeContext

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cdn"))
from enjoyment.cdn import cdn_udf  # noqa: E402  (the table job's lookup)

# (province, access_count, total_download, total_request_time)
TOTALS = Types.TUPLE([Types.STRING(), Types.LONG(), Types.LONG(), Types.LONG()])
# (province, access_count, total_download, download_speed), as the table job's sink
STATISTIC = Types.ROW_NAMED(["province", "access_count", "total_download", "download_speed"],
                            [Types.STRING(), Types.LONG(), Types.LONG(), Types.DOUBLE()])


class ParseLog(MapFunction):
    """A CSV log line to (province, 1, response_size, request_time); a line
    that does not parse counts for no province (None), as the table job's
    'format.ignore-parse-errors' skips it."""

    def open(self, runtime_context: RuntimeContext) -> None:
        self.lookup = cdn_udf._lookup

    def map(self, line):
        fields = line.split(",")
        if len(fields) < 4:
            return None
        try:
            request_time, response_size = int(fields[2]), int(fields[3])
        except ValueError:
            return None
        return (self.lookup(fields[1]) or "未知", 1, response_size, request_time)


class AddUp(ReduceFunction):
    def reduce(self, a, b):
        return (a[0], a[1] + b[1], a[2] + b[2], a[3] + b[3])


def statistic(t):
    province, count, download, time = t
    return (province, count, download, download * 1.0 / time)


def write_sample_logs(path: str, count: int, seed: int = 42) -> None:
    rnd = random.Random(seed)
    with open(os.path.join(path, "logs.csv"), "w") as f:
        for i in range(count):
            ip = ".".join(str(rnd.randint(1, 223 if j == 0 else 255)) for j in range(4))
            f.write("%032x,%s,%d,%d,/static/%d.js\n" % (rnd.getrandbits(128), ip, rnd.randint(1, 5000),
                                                         rnd.randint(100, 10000000), rnd.randint(0, 999)))


def main() -> None:
    logs = os.environ.get("CDN_LOG_PATH")
    if not logs:
        logs = tempfile.mkdtemp(prefix="cdn-logs-")
        write_sample_logs(logs, int(os.environ.get("CDN_LOG_COUNT", "2000")))
    env = StreamExecutionEnvironment.get_execution_environment()
    source = FileSource.for_record_stream_format(StreamFormat.text_line_format(), logs).build()
    lines = env.from_source(source, WatermarkStrategy.no_watermarks(), "cdn_access_log")
    totals = lines.map(ParseLog(), TOTALS) \
        .filter(lambda t: t is not None and t[0] is not None) \
        .key_by(lambda t: t[0], key_type=Types.STRING()) \
        .reduce(AddUp()) \
        .map(statistic, STATISTIC)
    out = os.environ.get("CDN_OUTPUT")
    if out:
        totals.sink_to(FileSink.for_row_format(out, Encoder.simple_string_encoder()).build())
    else:
        totals.print()
    env.execute("cdn_datastream")


if __name__ == "__main__":
    main()
