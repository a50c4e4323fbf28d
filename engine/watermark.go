package engine

import (
	"context"
	"time"

	"github.com/sluice-stream/sluice/vectorized"
)

// Watermark propagation, Flink's StatusWatermarkValve: watermarks and
// idleness travel as envelopes beside the batches (as barriers do), so
// they keep their place in each producer's stream and an exactly-once
// alignment holds them with the batches of a held producer. A consumer
// task keeps each producer's last watermark and status; its combined input
// watermark is the minimum over the active producers that are aligned (an
// ended producer counts as MaxWatermark). When it advances, the chained
// operators see it head to tail (ProcessWatermark; what one emits flows
// through the rest first) and the last forwarded value goes to every
// output. Watermarks are not checkpointed: sources regenerate them after a
// restore, as in Flink.

// wmSignal is what a watermark envelope carries.
type wmSignal uint8

const (
	wmNone    wmSignal = iota
	wmAdvance          // envelope.ts is the producer's new watermark
	wmIdle             // the producer became idle
	wmActive           // the producer became active again
)

// taskWatermarks is one task's watermark state; its goroutine (or the
// timer goroutine holding t.mu) only.
type taskWatermarks struct {
	// Per producer (tasks with inputs).
	in      []int64
	idle    []bool
	aligned []bool // active and caught up with the combined watermark
	// combined is the last combined input watermark handed to the head.
	combined int64
	// out is the last watermark sent to the outputs; outIdle the last
	// status announced to them.
	out     int64
	outIdle bool
	// tail is the last watermark that reached the end of the chain (what
	// a sink's RuntimeContext.Watermark reads).
	tail int64
}

func (w *taskWatermarks) init(producers int) {
	w.combined, w.out, w.tail = MinWatermark, MinWatermark, MinWatermark
	w.in = make([]int64, producers)
	w.idle = make([]bool, producers)
	w.aligned = make([]bool, producers)
	for p := range w.in {
		w.in[p] = MinWatermark
		w.aligned[p] = true
	}
}

// handlerOf returns op's watermark handler, looking through WithName.
func handlerOf(op Operator) (WatermarkHandler, bool) {
	if n, ok := op.(named); ok {
		op = n.Operator
	}
	h, ok := op.(WatermarkHandler)
	return h, ok
}

// lock takes t.mu when the task has timers (their goroutine also emits
// watermarks and sends to the outputs) and returns its unlock.
func (t *task) lock() func() {
	if len(t.timers) == 0 {
		return func() {}
	}
	t.mu.Lock()
	return t.mu.Unlock
}

// onWatermarkEnvelope handles a watermark or status envelope of a task with
// inputs.
func (t *task) onWatermarkEnvelope(ctx context.Context, e envelope) error {
	defer t.lock()()
	w := &t.wm
	p := e.producer
	switch e.wm {
	case wmAdvance:
		if w.idle[p] || e.ts <= w.in[p] {
			return nil // Flink ignores watermarks of an idle channel
		}
		w.in[p] = e.ts
		if !w.aligned[p] && e.ts >= w.combined {
			w.aligned[p] = true
		}
		return t.combineInputs(ctx)
	case wmIdle:
		if w.idle[p] {
			return nil
		}
		w.idle[p] = true
		w.aligned[p] = false
		if t.allInputsIdle() {
			// No input can advance time any more: flush the maximum
			// across every input, and tell downstream this task is idle.
			max := MinWatermark
			for _, v := range w.in {
				if v > max {
					max = v
				}
			}
			if err := t.advance(ctx, max); err != nil {
				return err
			}
			return t.setOutIdle(ctx, true)
		}
		return t.combineInputs(ctx)
	case wmActive:
		if !w.idle[p] {
			return nil
		}
		w.idle[p] = false
		// A producer that comes back behind the combined watermark is not
		// counted until it catches up (Flink's aligned channels): the
		// others keep time going.
		w.aligned[p] = w.in[p] >= w.combined
		return t.setOutIdle(ctx, false)
	}
	return nil
}

// inputEnded counts producer p's end as MaxWatermark.
func (t *task) inputEnded(ctx context.Context, p int) error {
	defer t.lock()()
	w := &t.wm
	w.in[p] = MaxWatermark
	w.idle[p] = false
	w.aligned[p] = true
	if w.outIdle && !t.allInputsIdle() {
		if err := t.setOutIdle(ctx, false); err != nil {
			return err
		}
	}
	return t.combineInputs(ctx)
}

// allInputsIdle: every producer is idle. An ended producer is active at
// MaxWatermark (Flink's valve after a finished input's MAX_WATERMARK), so
// an ended input beside idle ones lets time run to the end.
func (t *task) allInputsIdle() bool {
	for _, idle := range t.wm.idle {
		if !idle {
			return false
		}
	}
	return len(t.wm.idle) > 0
}

// combineInputs advances the task's watermark to the minimum over the
// active, aligned producers when that minimum is larger.
func (t *task) combineInputs(ctx context.Context) error {
	w := &t.wm
	min, any := MaxWatermark, false
	for p, v := range w.in {
		if w.idle[p] || !w.aligned[p] {
			continue
		}
		any = true
		if v < min {
			min = v
		}
	}
	if !any {
		return nil // every input idle: time stands still
	}
	return t.advance(ctx, min)
}

// advance hands a new combined input watermark to the chain; t.mu is
// held when the task has timers.
func (t *task) advance(ctx context.Context, wm int64) error {
	if wm <= t.wm.combined {
		return nil
	}
	t.wm.combined = wm
	return t.watermarkFrom(ctx, 0, wm)
}

// watermarkFrom delivers wm to the chained operators from position pos on,
// then to the outputs; t.mu is held when the task has timers.
func (t *task) watermarkFrom(ctx context.Context, pos int, wm int64) error {
	for _, l := range t.links[pos:] {
		if wm <= l.wmIn {
			return nil
		}
		l.wmIn = wm
		h, ok := handlerOf(l.op)
		if !ok {
			continue
		}
		start := time.Now()
		c0 := l.childNanos
		var fwd int64
		err := guard(func() error {
			var err error
			fwd, err = h.ProcessWatermark(ctx, wm, l.out)
			return err
		})
		*l.parentChild += l.account(start, c0)
		if err = l.wrap(err); err != nil {
			return err
		}
		wm = fwd
	}
	if wm <= t.wm.tail {
		return nil
	}
	t.wm.tail = wm
	if t.wm.outIdle || wm <= t.wm.out {
		return nil // Flink emits no watermark while the output is idle
	}
	t.wm.out = wm
	for _, o := range t.outputs {
		if err := o.signal(ctx, wmAdvance, wm); err != nil {
			return err
		}
	}
	return nil
}

// setOutIdle announces the task's status to its outputs when it changes.
func (t *task) setOutIdle(ctx context.Context, idle bool) error {
	if t.wm.outIdle == idle {
		return nil
	}
	t.wm.outIdle = idle
	s := wmActive
	if idle {
		s = wmIdle
	}
	for _, o := range t.outputs {
		if err := o.signal(ctx, s, 0); err != nil {
			return err
		}
	}
	return nil
}

// signal sends a watermark or status to every consumer subtask this
// producer feeds.
func (o *output) signal(ctx context.Context, s wmSignal, ts int64) error {
	for t := range o.targets {
		if o.edge.part.Kind == Forward && t != o.self {
			continue
		}
		select {
		case o.targets[t] <- envelope{input: o.edge.input, producer: o.producer, wm: s, ts: ts}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// EmitWatermark is a source's watermark: it goes through the whole chain.
func (o sourceOut) EmitWatermark(ctx context.Context, ts int64) error {
	defer o.t.lock()()
	return o.t.advance(ctx, ts)
}

// MarkIdle is a source's idleness.
func (o sourceOut) MarkIdle(ctx context.Context, idle bool) error {
	defer o.t.lock()()
	return o.t.setOutIdle(ctx, idle)
}

// EmitWatermark is an operator's watermark: it goes through the operators
// after it. It is called from inside Process, OnTimer or ProcessWatermark,
// with t.mu already held when the task has timers.
func (o linkOut) EmitWatermark(ctx context.Context, ts int64) error {
	return o.l.t.watermarkFrom(ctx, o.l.pos+1, ts)
}

// MarkIdle is an operator's idleness (a watermark assigner's idle
// timeout): it is the task's status downstream.
func (o linkOut) MarkIdle(ctx context.Context, idle bool) error {
	return o.l.t.setOutIdle(ctx, idle)
}

// watching makes rt's Watermark and EvalContext (CURRENT_WATERMARK) read
// the input watermark wm returns.
func (t *task) watching(rt *RuntimeContext, wm func() int64) *RuntimeContext {
	rt.Watermark = wm
	rt.EvalContext = func() *vectorized.EvalContext {
		ec := t.job.evalContext()
		if v := wm(); v != MinWatermark {
			ec.Watermark, ec.HasWatermark = v, true
		}
		return ec
	}
	return rt
}

// sourceEnded sends MaxWatermark through a source task whose source ended.
func (t *task) sourceEnded(ctx context.Context) error {
	defer t.lock()()
	if err := t.setOutIdle(ctx, false); err != nil {
		return err
	}
	return t.advance(ctx, MaxWatermark)
}
