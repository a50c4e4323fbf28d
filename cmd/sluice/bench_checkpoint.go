package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/sluice-stream/sluice/bench"
)

// runBenchCheckpoint is `sluice bench checkpoint`: what checkpoints cost
// (throughput with checkpoints against the same job without, in one run),
// the pebble backend's peak RSS over many keys, and an incremental pebble
// snapshot's new bytes.
func runBenchCheckpoint(ctx context.Context, args []string) error {
	if spec := os.Getenv(bench.PebbleChildEnv); spec != "" {
		return bench.RunPebbleChild(ctx, spec)
	}
	cfg := bench.DefaultCheckpointConfig()
	fs := flag.NewFlagSet("bench checkpoint", flag.ContinueOnError)
	fs.Int64Var(&cfg.GroupByRows, "rows", cfg.GroupByRows, "rows of the GROUP BY case")
	fs.Int64Var(&cfg.CDNRows, "cdn-rows", cfg.CDNRows, "rows of the CDN case (Python UDF)")
	fs.DurationVar(&cfg.Interval, "interval", cfg.Interval, "checkpoint interval")
	fs.IntVar(&cfg.Repeat, "repeat", cfg.Repeat, "runs of each case with and without checkpoints, interleaved; the fastest counts")
	fs.Int64Var(&cfg.PebbleKeys, "pebble-keys", cfg.PebbleKeys, "distinct keys of the pebble RSS case (0 skips it)")
	fs.Int64Var(&cfg.IncrementalBytes, "incremental-bytes", cfg.IncrementalBytes, "pebble state size of the incremental case (0 skips it)")
	fs.StringVar(&cfg.Dir, "dir", "", "directory for checkpoints and pebble files (default: a temporary one)")
	asJSON := fs.Bool("json", false, "print the figures as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	progress := os.Stderr
	if *asJSON {
		progress = nil
	}
	rep, err := bench.RunCheckpoint(ctx, cfg, progress)
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
