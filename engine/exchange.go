package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-stream/sluice/vectorized"
)

// output is one producer subtask's end of one edge.
type output struct {
	job      *jobRun
	edge     outEdge
	targets  []chan envelope // the consumer's inboxes, by subtask
	self     int             // the producer's subtask
	producer int             // the producer's number at the consumer
	next     int             // round-robin position (Rebalance)

	// Hash only.
	hashes []uint64
	dest   []int32
	counts []int
	idx    []int32
}

func newOutput(job *jobRun, e outEdge, targets []chan envelope, self int) *output {
	return &output{job: job, edge: e, targets: targets, self: self, next: self % len(targets)}
}

// send routes a lent batch; whatever it sends carries its own reference.
func (o *output) send(ctx context.Context, b *vectorized.Batch, m *OperatorMetrics) error {
	switch o.edge.part.Kind {
	case Forward:
		return o.put(ctx, o.self, RetainBatch(b), m)
	case Global:
		return o.put(ctx, 0, RetainBatch(b), m)
	case Rebalance:
		t := o.next
		o.next = (o.next + 1) % len(o.targets)
		return o.put(ctx, t, RetainBatch(b), m)
	case Broadcast:
		for t := range o.targets {
			if err := o.put(ctx, t, RetainBatch(b), m); err != nil {
				return err
			}
		}
		return nil
	case Hash:
		return o.sendHashed(ctx, b, m)
	}
	return fmt.Errorf("unknown partitioning %v", o.edge.part.Kind)
}

// put sends one owned batch to target t, releasing it if the job stops
// first. Time spent waiting for room is back pressure.
func (o *output) put(ctx context.Context, t int, b *vectorized.Batch, m *OperatorMetrics) error {
	e := envelope{input: o.edge.input, producer: o.producer, batch: b}
	select {
	case o.targets[t] <- e:
		return nil
	default:
	}
	start := time.Now()
	defer func() { m.BackPressuredNanos.Add(int64(time.Since(start))) }()
	select {
	case o.targets[t] <- e:
		return nil
	case <-ctx.Done():
		b.Release()
		return ctx.Err()
	}
}

// endOfInput tells every consumer subtask this producer will send no more.
func (o *output) endOfInput(ctx context.Context) error {
	for t := range o.targets {
		if o.edge.part.Kind == Forward && t != o.self {
			continue
		}
		select {
		case o.targets[t] <- envelope{input: o.edge.input, producer: o.producer, eoi: true}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// barrier sends a checkpoint barrier to every consumer subtask this
// producer feeds.
func (o *output) barrier(ctx context.Context, cp *CheckpointInfo) error {
	for t := range o.targets {
		if o.edge.part.Kind == Forward && t != o.self {
			continue
		}
		select {
		case o.targets[t] <- envelope{input: o.edge.input, producer: o.producer, barrier: cp}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// sendHashed splits the batch by key group: one gather puts the rows of
// each target together, and each target receives a zero-copy slice.
func (o *output) sendHashed(ctx context.Context, b *vectorized.Batch, m *OperatorMetrics) error {
	n := len(o.targets)
	if n == 1 {
		return o.put(ctx, 0, RetainBatch(b), m)
	}
	rows := int(b.NumRows())
	keys := make([]arrow.Array, len(o.edge.part.Keys))
	for i, k := range o.edge.part.Keys {
		if k < 0 || k >= int(b.Record.NumCols()) {
			return fmt.Errorf("hash key column %d does not exist in a batch of %d columns", k, b.Record.NumCols())
		}
		keys[i] = b.Record.Column(k)
	}
	o.hashes = grow(o.hashes, rows)
	o.dest = grow(o.dest, rows)
	o.counts = grow(o.counts, n+1)
	clear(o.counts)
	vectorized.HashColumns(keys, o.hashes)
	for i, h := range o.hashes {
		t := int32(operatorIndexForKeyGroup(keyGroupOf(h, o.job.maxPar), o.job.maxPar, n))
		o.dest[i] = t
		o.counts[t+1]++
	}
	for t := 0; t < n; t++ {
		if o.counts[t+1] == rows {
			return o.put(ctx, t, RetainBatch(b), m)
		}
	}
	// Counting sort of the row indices by target (stable: a target sees
	// its rows in their original order, as Flink's per-key order demands).
	for t := 1; t <= n; t++ {
		o.counts[t] += o.counts[t-1]
	}
	o.idx = grow(o.idx, rows)
	pos := append([]int(nil), o.counts[:n]...)
	for i, t := range o.dest {
		o.idx[pos[t]] = int32(i)
		pos[t]++
	}
	gathered, err := takeBatch(ctx, o.job.mem, b, o.idx)
	if err != nil {
		return err
	}
	defer gathered.Release()
	for t := 0; t < n; t++ {
		lo, hi := o.counts[t], o.counts[t+1]
		if lo == hi {
			continue
		}
		sub := &vectorized.Batch{Record: gathered.Record.NewSlice(int64(lo), int64(hi))}
		if gathered.Kinds != nil {
			sub.Kinds = gathered.Kinds[lo:hi]
		}
		if err := o.put(ctx, t, sub, m); err != nil {
			return err
		}
	}
	return nil
}

// keyGroupOf is Flink's KeyGroupRangeAssignment.computeKeyGroupForKeyHash:
// the key hash is scrambled again (Flink uses murmur) and taken modulo the
// max parallelism.
func keyGroupOf(h uint64, maxParallelism int) int {
	return int(fmix64(h) % uint64(maxParallelism))
}

// operatorIndexForKeyGroup is Flink's
// KeyGroupRangeAssignment.computeOperatorIndexForKeyGroup: contiguous
// ranges of key groups per subtask, so rescaling moves whole ranges.
func operatorIndexForKeyGroup(keyGroup, maxParallelism, parallelism int) int {
	return keyGroup * parallelism / maxParallelism
}

// fmix64 is MurmurHash3's 64-bit finalizer.
func fmix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// grow returns s with length n, reusing its storage when it is big enough.
func grow[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n, n+n/4)
}
