// Command sluice runs Sluice jobs and tools.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"

	"github.com/sluice-stream/sluice/bench"
	_ "github.com/sluice-stream/sluice/connectors/builtin"
	"github.com/sluice-stream/sluice/cpython"
	_ "github.com/sluice-stream/sluice/table/pyfunc"
)

const usage = `usage: sluice <command> [arguments]

commands:
  bench udf [--rows N] [--batch-sizes 1000,10000,100000] [--repeat 3] [--json]
  bench sql [--rows N] [--json]
                 SQL jobs (filter+projection, GROUP BY, a Python UDF calc) over generated rows
                 measure Python UDF paths against baselines run in the same process
  bench jdbc [--url URL] [--user U] [--rows N] [--buffer-sizes 1,100,1000] [--repeat 3] [--json]
                 jdbc sink upserts into MariaDB against a database/sql loop of the same statements
                 (the server defaults to $SLUICE_TEST_MARIADB_URL/_USER/_PASSWORD; skipped without one)
  bench kafka [--bootstrap HOST:PORT] [--records N] [--partitions 4] [--parallelism 1,2] [--repeat 3] [--json]
                 kafka source (CDN log CSV into Arrow) against librdkafka's bare consumer on the same topic
                 (the broker defaults to $SLUICE_TEST_KAFKA, else 127.0.0.1:9092)
  bench checkpoint [--rows N] [--cdn-rows N] [--interval 1s] [--repeat 3] [--pebble-keys N] [--incremental-bytes N] [--json]
                 GROUP BY and the CDN job with checkpoints against without; pebble peak RSS; incremental snapshot size
  bench nexmark [--events N] [--queries q0,q1,...] [--parallelism 1] [--json]
                 the Nexmark queries (bench/nexmark): events/s per core against Flink 1.13's published figures
  run [job options] job.py [args...]    run a PyFlink-style job script in the embedded interpreter
  run [job options] -m module [args...] run a module as __main__ (e.g. -m pytest)
  shell          a Python REPL with s_env, st_env, b_env, bt_env ready (pyflink-shell)
  sql [job options] -f FILE             run a script of SQL statements
  version        print the version of Sluice and of the embedded Python

` + jobOptionsUsage

var version = "0.1.0-dev"

// Python's main thread — the one that runs its signal handlers and the
// only one where signal.signal works — is the thread that starts the
// interpreter, and the job script must run on it too. Locking the main
// goroutine to the process's main thread before main runs keeps both
// there.
func init() { runtime.LockOSThread() }

func main() {
	args := os.Args[1:]
	err := runProcess(args)
	if sqlTerminating.Load() {
		select {} // SIGTERM's handler ends the process
	}
	if err != nil {
		var code exitCode
		if errors.As(err, &code) {
			os.Exit(int(code))
		}
		fmt.Fprintln(os.Stderr, "sluice:", err)
		os.Exit(1)
	}
}

// runProcess runs the command. Those that run Python own SIGINT and
// SIGTERM (stopSignals); the others stop through a context cancelled by
// Ctrl-C.
func runProcess(args []string) error {
	if cmd, ok := parseInterpreterArgs(args); ok {
		return runInterpreter(cmd, handleStopSignals(false))
	}
	if len(args) > 0 {
		switch args[0] {
		case "run":
			return runPython(args[1:], handleStopSignals(true))
		case "shell":
			return runShell(handleStopSignals(true))
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return run(ctx, args)
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "bench":
		return runBench(ctx, args[1:])
	case "sql":
		handleSQLTerm()
		return runSQL(ctx, args[1:], os.Stdout)
	case "version":
		if err := cpython.Initialize(); err != nil {
			return err
		}
		fmt.Printf("sluice %s\nvirtual environment: %s\n", version, orNone(cpython.Venv()))
		return nil
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func orNone(s string) string {
	if s == "" {
		return "(none: base interpreter)"
	}
	return s
}

func runBench(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "sql" {
		fs := flag.NewFlagSet("bench sql", flag.ContinueOnError)
		rows := fs.Int64("rows", 50_000_000, "rows per query")
		asJSON := fs.Bool("json", false, "print the figures as JSON")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		var progress io.Writer = os.Stderr
		if *asJSON {
			progress = nil
		}
		rep, err := bench.RunSQL(ctx, *rows, progress)
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(os.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(rep)
		}
		fmt.Println()
		return rep.WriteTable(os.Stdout)
	}
	if len(args) > 0 && args[0] == "jdbc" {
		return runBenchJDBC(ctx, args[1:])
	}
	if len(args) > 0 && args[0] == "kafka" {
		return runBenchKafka(ctx, args[1:])
	}
	if len(args) > 0 && args[0] == "checkpoint" {
		return runBenchCheckpoint(ctx, args[1:])
	}
	if len(args) > 0 && args[0] == "nexmark" {
		return runBenchNexmark(ctx, args[1:])
	}
	if len(args) == 0 || args[0] != "udf" {
		return errors.New("bench: the benchmarks are `udf`, `sql`, `jdbc`, `kafka`, `checkpoint` and `nexmark`")
	}
	fs := flag.NewFlagSet("bench udf", flag.ContinueOnError)
	cfg := bench.DefaultUDFConfig()
	rows := fs.Int("rows", cfg.Rows, "rows per measurement")
	sizes := fs.String("batch-sizes", "1000,10000,100000", "comma-separated batch sizes")
	asJSON := fs.Bool("json", false, "print the figures as JSON")
	repeat := fs.Int("repeat", cfg.Repeat, "runs of each case and baseline; the fastest counts")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg.Rows, cfg.Repeat = *rows, *repeat
	var err error
	if cfg.BatchSizes, err = positiveInts("bench udf: batch size", *sizes); err != nil {
		return err
	}
	progress := os.Stderr
	if *asJSON {
		progress = nil
	}
	if progress != nil {
		fmt.Fprintf(progress, "measuring %d rows per case...\n", cfg.Rows)
	}
	var rep *bench.UDFReport
	if progress != nil {
		rep, err = bench.RunUDF(ctx, cfg, progress)
	} else {
		rep, err = bench.RunUDF(ctx, cfg, nil)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return rep.WriteJSON(os.Stdout)
	}
	fmt.Println()
	return rep.WriteTable(os.Stdout)
}

func runBenchJDBC(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench jdbc", flag.ContinueOnError)
	cfg := bench.DefaultJDBCConfig()
	url := fs.String("url", cfg.URL, "MariaDB/MySQL JDBC URL (jdbc:mysql://host:port/database)")
	user := fs.String("user", cfg.User, "user name")
	rows := fs.Int("rows", cfg.Rows, "rows per measurement (buffer sizes below 100 write rows/50)")
	sizes := fs.String("buffer-sizes", "1,100,1000", "comma-separated sink.buffer-flush.max-rows values")
	repeat := fs.Int("repeat", cfg.Repeat, "runs of the sink and of the baseline; the fastest counts")
	asJSON := fs.Bool("json", false, "print the figures as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.URL, cfg.User, cfg.Rows, cfg.Repeat = *url, *user, *rows, *repeat
	var err error
	if cfg.BufferSizes, err = positiveInts("bench jdbc: buffer size", *sizes); err != nil {
		return err
	}
	if cfg.URL == "" {
		// Not an error: the benchmark needs a server this machine may not run.
		fmt.Fprintln(os.Stderr, "bench jdbc: skipped:", bench.ErrJDBCNotConfigured)
		return nil
	}
	var progress io.Writer = os.Stderr
	if *asJSON {
		progress = nil
	} else {
		fmt.Fprintf(os.Stderr, "measuring upserts of %d rows per buffer size...\n", cfg.Rows)
	}
	rep, err := bench.RunJDBC(ctx, cfg, progress)
	if err != nil {
		return err
	}
	if *asJSON {
		return rep.WriteJSON(os.Stdout)
	}
	fmt.Println()
	return rep.WriteTable(os.Stdout)
}

func runBenchKafka(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench kafka", flag.ContinueOnError)
	cfg := bench.DefaultKafkaConfig()
	if bs := os.Getenv("SLUICE_TEST_KAFKA"); bs != "" {
		cfg.Bootstrap = bs
	}
	bootstrap := fs.String("bootstrap", cfg.Bootstrap, "Kafka bootstrap servers")
	records := fs.Int("records", cfg.Records, "records written to the topic and read by each run")
	partitions := fs.Int("partitions", cfg.Partitions, "partitions of the topic")
	pars := fs.String("parallelism", "1,2", "comma-separated source parallelisms")
	repeat := fs.Int("repeat", cfg.Repeat, "runs of each case and of the baseline; the fastest counts")
	asJSON := fs.Bool("json", false, "print the figures as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.Bootstrap, cfg.Records, cfg.Partitions, cfg.Repeat = *bootstrap, *records, *partitions, *repeat
	var err error
	if cfg.Parallelism, err = positiveInts("bench kafka: parallelism", *pars); err != nil {
		return err
	}
	var progress io.Writer = os.Stderr
	if *asJSON {
		progress = nil
	}
	rep, err := bench.RunKafka(ctx, cfg, progress)
	if err != nil {
		return fmt.Errorf("bench kafka (is a broker running at %s? `make services-up` starts one): %w", cfg.Bootstrap, err)
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Println()
	return rep.WriteTable(os.Stdout)
}

// positiveInts parses a comma-separated list of positive integers.
func positiveInts(what, list string) ([]int, error) {
	var out []int
	for _, s := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%s %q is not a positive integer", what, s)
		}
		out = append(out, n)
	}
	return out, nil
}
