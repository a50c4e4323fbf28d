// Package bench is Sluice's benchmark harness: Go benchmarks (go test
// -bench) and the reports behind `sluice bench`, which measure the engine's
// paths against baselines taken in the same process and run, and quote
// ratios rather than absolute figures.
package bench
