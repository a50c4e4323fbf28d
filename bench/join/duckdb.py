"""Times the batch hash join benchmark in DuckDB, interleaved with Sluice's.

Both join the same data: a 10M-row probe table (k BIGINT, v BIGINT) and a
1M-row build table (k BIGINT, w BIGINT) on k, every probe row matching one
build row, and add up every output column. The data comes from Sluice's
benchmark (engine/join_batch_bench_test.go, flag -hashjoin.data), written as
Arrow IPC files; see README.md for the steps.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

# This file is itself named duckdb.py: keep its directory off the import
# path so that `import duckdb` finds the package.
_here = Path(__file__).resolve().parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != _here]

import duckdb  # noqa: E402
import pyarrow.ipc as ipc  # noqa: E402

QUERY = """
SELECT count(*), sum(p.k), sum(p.v), sum(b.k), sum(b.w)
FROM probe p JOIN build b ON p.k = b.k
"""


def load(con: duckdb.DuckDBPyConnection, data: Path) -> int:
    """Loads both files into DuckDB tables; returns the input row count."""
    rows = 0
    for name in ("probe", "build"):
        with ipc.open_file(data / f"{name}.arrow") as f:
            tbl = f.read_all()
        rows += tbl.num_rows
        con.register(f"{name}_arrow", tbl)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_arrow")
        con.unregister(f"{name}_arrow")
    return rows


def time_duckdb(con: duckdb.DuckDBPyConnection) -> tuple[float, float, tuple[int, ...]]:
    """Runs the query once: wall seconds, CPU seconds (all threads), result."""
    start, cpu = time.perf_counter(), time.process_time()
    res = con.execute(QUERY).fetchone()
    return time.perf_counter() - start, time.process_time() - cpu, tuple(int(x) for x in res)


def generate(test_bin: Path, data: Path, keys: str) -> None:
    """Writes the inputs with Sluice's generator (its benchmark, run once)."""
    subprocess.run(
        [str(test_bin), "-test.run", "^$", "-test.bench", "BatchHashJoin/memory$", "-test.benchtime", "1x",
         "-hashjoin.data", str(data.resolve()), "-hashjoin.keys", keys],
        cwd=test_bin.parent, capture_output=True, text=True, check=True,
    )


def time_sluice(test_bin: Path, variant: str, keys: str) -> tuple[float, float]:
    """Runs Sluice's benchmark once (b.N = 1, after its warm-up join);
    returns the join's wall and CPU seconds."""
    out = subprocess.run(
        [str(test_bin), "-test.run", "^$", "-test.bench", f"BatchHashJoin/{variant}$",
         "-test.benchtime", "1x", "-test.v", "-hashjoin.keys", keys],
        cwd=test_bin.parent, capture_output=True, text=True, check=True,
    )
    m = re.search(rf"SLUICE_JOIN {variant} seconds=([0-9.]+) cpu=([0-9.]+)", out.stderr + out.stdout)
    if not m:
        sys.exit(f"no SLUICE_JOIN line in the benchmark's output:\n{out.stdout}\n{out.stderr}")
    sums = re.search(r"rows=(\d+) sum\(p.k\)=(\d+) sum\(p.v\)=(\d+) sum\(b.k\)=(\d+) sum\(b.w\)=(\d+)", out.stdout)
    if sums:
        print(f"  sluice sums: {sums.groups()}")
    return float(m.group(1)), float(m.group(2))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, required=True, help="directory with probe.arrow and build.arrow")
    ap.add_argument("--sluice-test", type=Path, help="compiled `go test -c ./engine` binary to interleave with")
    ap.add_argument("--variant", default="memory", choices=["memory", "spill"], help="Sluice's benchmark variant")
    ap.add_argument("--keys", default="dense", choices=["dense", "sparse"],
                    help="dense keys 0..1M-1 (both engines index them directly) or sparse ones (hash tables)")
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    if not (args.data / "probe.arrow").exists():
        if not args.sluice_test:
            sys.exit(f"{args.data} has no probe.arrow: pass --sluice-test to generate the data")
        print(f"generating {args.keys} data in {args.data}")
        generate(args.sluice_test.resolve(), args.data, args.keys)

    con = duckdb.connect()
    rows = load(con, args.data)
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    print(f"duckdb {duckdb.__version__}, threads={threads}, input rows={rows}, cpus={os.cpu_count()}")
    time_duckdb(con)  # warm-up: the first run pays for loading pages

    d_times: list[float] = []
    s_times: list[float] = []
    d_cpu: list[float] = []
    s_cpu: list[float] = []
    for rep in range(args.reps):
        if args.sluice_test:
            s, sc = time_sluice(args.sluice_test.resolve(), args.variant, args.keys)
            s_times.append(s)
            s_cpu.append(sc)
            print(f"rep {rep + 1}: sluice {s:.3f} s, cpu {sc:.3f} s ({rows / s / 1e6:.1f} M input rows/s)")
        d, dc, res = time_duckdb(con)
        d_times.append(d)
        d_cpu.append(dc)
        print(f"rep {rep + 1}: duckdb {d:.3f} s, cpu {dc:.3f} s ({rows / d / 1e6:.1f} M input rows/s)  sums: {res}")
    dm, dcm = statistics.median(d_times), statistics.median(d_cpu)
    print(f"duckdb median {dm:.3f} s, cpu {dcm:.3f} s")
    if s_times:
        sm, scm = statistics.median(s_times), statistics.median(s_cpu)
        print(f"sluice median {sm:.3f} s, cpu {scm:.3f} s")
        print(f"throughput ratio sluice/duckdb = {dm / sm:.2f} (by wall time), {dcm / scm:.2f} (by CPU time)")

if __name__ == "__main__":
    main()
