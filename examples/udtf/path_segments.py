"""A table function splitting each request path of CDN logs into its
segments: LATERAL TABLE in SQL gives one row per (request, segment), which
is then counted per segment and depth, and join_lateral does the same in
the Table API. Run: sluice run examples/udtf/path_segments.py"""
from typing import Iterator, List, Tuple

from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
from pyflink.table.expressions import col
from pyflink.table.udf import udtf


@udtf(result_types=[DataTypes.INT(), DataTypes.STRING()])
def path_segments(path: str) -> Iterator[Tuple[int, str]]:
    """(depth, segment) for each non-empty segment of a URL path; the query
    string is not part of the path."""
    if path is None:
        return
    for depth, seg in enumerate((s for s in path.split("?", 1)[0].split("/") if s), start=1):
        yield depth, seg


LOGS: List[Tuple[str, str]] = [
    ("a", "/video/2024/cats.mp4"),
    ("b", "/video/2024/dogs.mp4?start=10"),
    ("c", "/img/logo.png"),
    ("d", "/"),
    ("e", "/video/live"),
]


def main() -> List[Tuple[int, str, int]]:
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    t_env.get_config().set("parallelism.default", "1")
    t_env.create_temporary_system_function("path_segments", path_segments)
    logs = t_env.from_elements(LOGS, ["uuid", "path"])
    t_env.create_temporary_view("cdn_access_log", logs)

    # Requests per path segment and depth: a streaming GROUP BY over the
    # correlate's rows (a request at "/" has no segment and drops out).
    per_segment = t_env.sql_query("""
        SELECT depth, segment, COUNT(*) AS hits
        FROM cdn_access_log, LATERAL TABLE(path_segments(path)) AS T(depth, segment)
        GROUP BY depth, segment""")
    with per_segment.execute().collect() as it:
        counts = {}
        for row in it:
            key = (row[0], row[1])
            if row.get_row_kind().name in ("INSERT", "UPDATE_AFTER"):
                counts[key] = row[2]
            else:
                counts.pop(key, None)
    result = sorted((d, s, n) for (d, s), n in counts.items())
    for d, s, n in result:
        print("depth %d %-10s %d" % (d, s, n))

    # The same correlate in the Table API, keeping requests without one.
    first = logs.left_outer_join_lateral(path_segments(col("path")).alias("depth", "segment")) \
        .where(col("depth").is_null | (col("depth") == 1)) \
        .select(col("uuid"), col("segment"))
    first.execute().print()
    return result


if __name__ == "__main__":
    main()
