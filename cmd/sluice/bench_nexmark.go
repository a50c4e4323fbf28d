package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/sluice-stream/sluice/bench"
)

// runBenchNexmark is `sluice bench nexmark`: the Nexmark queries of
// bench/nexmark, each over --events events of the nexmark source in
// streaming mode into a blackhole sink, in events/s per core beside Flink
// 1.13's published figures.
func runBenchNexmark(ctx context.Context, args []string) error {
	cfg := bench.DefaultNexmarkConfig()
	fs := flag.NewFlagSet("bench nexmark", flag.ContinueOnError)
	fs.Int64Var(&cfg.Events, "events", 0, fmt.Sprintf("events per query (default %d for stateless queries, %d for the others)",
		bench.DefaultStatelessEvents, bench.DefaultStatefulEvents))
	queries := fs.String("queries", strings.Join(cfg.Queries, ","), "queries to run, comma-separated")
	fs.IntVar(&cfg.Parallelism, "parallelism", cfg.Parallelism, "parallelism of each job")
	asJSON := fs.Bool("json", false, "print the figures as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench nexmark: unexpected argument %q", fs.Arg(0))
	}
	cfg.Queries = nil
	for _, q := range strings.Split(*queries, ",") {
		q = strings.ToLower(strings.TrimSpace(q))
		if q == "" {
			continue
		}
		if !slices.Contains(bench.NexmarkQueryNames, q) {
			return fmt.Errorf("bench nexmark: no query %q; the queries are %s", q, strings.Join(bench.NexmarkQueryNames, ", "))
		}
		cfg.Queries = append(cfg.Queries, q)
	}
	if cfg.Parallelism < 1 {
		return fmt.Errorf("bench nexmark: --parallelism must be at least 1")
	}
	progress := os.Stderr
	if *asJSON {
		progress = nil
	}
	rep, err := bench.RunNexmark(ctx, cfg, progress)
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
