package engine

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// taskCheckpoints is one task's side of the barrier protocol.
type taskCheckpoints struct {
	// Set by the coordinator for source tasks, taken in Collect/Yield.
	mu      sync.Mutex
	trigger *CheckpointInfo
	flag    atomic.Bool

	// Mailbox: completion and abort notifications, delivered by the task's
	// goroutine between batches.
	mails   []mail
	pending atomic.Int32
	signal  chan struct{}

	// Alignment state of a task with inputs; its goroutine only.
	aligning   *CheckpointInfo
	arrived    []bool
	nArrived   int
	ended      []bool
	nEnded     int
	alignStart time.Time
	held       []envelope // from producers whose barrier arrived first
	queue      []envelope // held envelopes to process again

	last int64 // the last checkpoint this task snapshotted
}

type mail struct {
	id       int64
	complete bool // else aborted
	done     *sync.WaitGroup
}

// instanceMeta describes one instance's part of a checkpoint.
type instanceMeta struct {
	uid, name   string
	subtask     int
	parallelism int
	dir         string // absolute; "" without state
	keyed, op   bool
	size        int64
}

// post queues a notification for the task's goroutine.
func (c *taskCheckpoints) post(m mail) {
	c.mu.Lock()
	c.mails = append(c.mails, m)
	c.mu.Unlock()
	c.pending.Add(1)
	select {
	case c.signal <- struct{}{}:
	default:
	}
}

// setTrigger asks a source task to take checkpoint cp at its next batch
// boundary.
func (c *taskCheckpoints) setTrigger(cp CheckpointInfo) {
	c.mu.Lock()
	c.trigger = &cp
	c.mu.Unlock()
	c.flag.Store(true)
	select {
	case c.signal <- struct{}{}:
	default:
	}
}

// takeTrigger returns the checkpoint the coordinator asked for, if any,
// and clears the request.
func (c *taskCheckpoints) takeTrigger() *CheckpointInfo {
	if !c.flag.Load() {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	info := c.trigger
	c.trigger = nil
	c.flag.Store(false)
	return info
}

// instances calls fn for each of the task's instances in chain order.
func (t *task) instances(fn func(kind, name string, obj any, st *instanceState) error) error {
	if t.source != nil {
		if err := fn("source", t.sourceName, t.source, t.sourceState); err != nil {
			return err
		}
	}
	for _, l := range t.links {
		var obj any = l.op
		if n, ok := l.op.(named); ok {
			obj = n.Operator
		}
		if err := fn("operator", l.name, obj, l.state); err != nil {
			return err
		}
	}
	if t.sink != nil {
		return fn("sink", t.sinkName, t.sink, t.sinkState)
	}
	return nil
}

// sourcePoll takes a triggered checkpoint and delivers notifications; a
// source task calls it between batches (Collect, Yield).
func (t *task) sourcePoll(ctx context.Context) error {
	cp := &t.cp
	if info := cp.takeTrigger(); info != nil {
		if info.ID > cp.last {
			if err := t.checkpoint(ctx, *info, 0); err != nil {
				return err
			}
			if info.synchronous {
				return t.awaitStop(ctx, info.ID)
			}
		}
	}
	return t.deliverMail(ctx)
}

// awaitStop holds a source after the barrier of a stop-with-savepoint:
// it emits nothing more, delivers the savepoint's completion, and waits
// for the job to be stopped.
func (t *task) awaitStop(ctx context.Context, id int64) error {
	for {
		if err := t.deliverMail(ctx); err != nil {
			return err
		}
		select {
		case <-t.cp.signal:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// deliverMail runs the queued notifications.
func (t *task) deliverMail(ctx context.Context) error {
	cp := &t.cp
	if cp.pending.Load() == 0 {
		return nil
	}
	cp.mu.Lock()
	mails := cp.mails
	cp.mails = nil
	cp.pending.Store(0)
	cp.mu.Unlock()
	if len(t.timers) > 0 {
		t.mu.Lock()
		defer t.mu.Unlock()
	}
	for i, m := range mails {
		err := t.instances(func(kind, name string, obj any, _ *instanceState) error {
			var err error
			if m.complete {
				if l, ok := obj.(CheckpointListener); ok {
					err = guard(func() error { return l.NotifyCheckpointComplete(ctx, m.id) })
				}
			} else if l, ok := obj.(CheckpointAbortListener); ok {
				err = guard(func() error { return l.NotifyCheckpointAborted(ctx, m.id) })
			}
			if err != nil {
				what := "completion"
				if !m.complete {
					what = "abort"
				}
				return t.taskError(kind, name, fmt.Errorf("checkpoint %d %s: %w", m.id, what, err))
			}
			return nil
		})
		if m.done != nil {
			m.done.Done()
		}
		if err != nil {
			for _, rest := range mails[i+1:] {
				if rest.done != nil {
					rest.done.Done()
				}
			}
			return err
		}
	}
	return nil
}

// handle processes one envelope of a task with inputs: a batch, the end of
// a producer, or a barrier; envelopes of producers whose barrier arrived
// wait while an exactly-once alignment is in progress.
func (t *task) handle(ctx context.Context, e envelope) error {
	cp := &t.cp
	if cp.aligning != nil && t.job.mode == ExactlyOnce && cp.arrived[e.producer] && !cp.ended[e.producer] {
		cp.held = append(cp.held, e)
		return nil
	}
	switch {
	case e.eoi:
		cp.ended[e.producer] = true
		cp.nEnded++
		if cp.aligning != nil && !cp.arrived[e.producer] {
			cp.arrived[e.producer] = true
			cp.nArrived++
		}
		if err := t.inputEnded(ctx, e.producer); err != nil {
			return err
		}
		return t.maybeAligned(ctx)
	case e.wm != wmNone:
		return t.onWatermarkEnvelope(ctx, e)
	case e.barrier != nil:
		return t.onBarrier(ctx, e)
	default:
		err := t.enter(ctx, e.input, e.batch)
		e.batch.Release()
		return err
	}
}

func (t *task) onBarrier(ctx context.Context, e envelope) error {
	cp := &t.cp
	id := e.barrier.ID
	if id <= cp.last || (cp.aligning != nil && id < cp.aligning.ID) {
		return nil // a checkpoint taken or overtaken already
	}
	if cp.aligning != nil && id > cp.aligning.ID {
		// A newer checkpoint overtakes one that never aligned (it was
		// aborted): what was held goes first, then this barrier again.
		held := append(cp.held, e)
		cp.held = nil
		cp.queue = append(held, cp.queue...)
		cp.aligning = nil
		return nil
	}
	if cp.aligning == nil {
		info := *e.barrier
		cp.aligning = &info
		cp.alignStart = time.Now()
		cp.nArrived = 0
		for p := range cp.arrived {
			cp.arrived[p] = cp.ended[p]
			if cp.ended[p] {
				cp.nArrived++
			}
		}
	}
	if !cp.arrived[e.producer] {
		cp.arrived[e.producer] = true
		cp.nArrived++
	}
	return t.maybeAligned(ctx)
}

// maybeAligned takes the checkpoint once every producer delivered its
// barrier (or ended), then releases what was held.
func (t *task) maybeAligned(ctx context.Context) error {
	cp := &t.cp
	if cp.aligning == nil || cp.nArrived < t.producers {
		return nil
	}
	info := *cp.aligning
	align := time.Since(cp.alignStart)
	cp.aligning = nil
	cp.queue = append(cp.held, cp.queue...)
	cp.held = nil
	return t.checkpoint(ctx, info, align)
}

// releaseHeld releases batches still held when the task stopped.
func (t *task) releaseHeld() {
	for _, es := range [][]envelope{t.cp.held, t.cp.queue} {
		for _, e := range es {
			if e.batch != nil {
				e.batch.Release()
			}
		}
	}
	t.cp.held, t.cp.queue = nil, nil
}

// checkpoint is the task's part of checkpoint info: the synchronous
// snapshot of every instance, the barrier sent downstream, then the
// asynchronous writes and the acknowledgement to the coordinator.
func (t *task) checkpoint(ctx context.Context, info CheckpointInfo, align time.Duration) error {
	return t.checkpointAs(ctx, info, align, true)
}

// checkpointAs is checkpoint; a task whose input ended takes its final
// checkpoints without forwarding the barrier (its consumers counted its
// end as its barrier).
func (t *task) checkpointAs(ctx context.Context, info CheckpointInfo, align time.Duration, forward bool) error {
	start := time.Now()
	cp := &t.cp
	cp.last = info.ID
	dir := t.job.coord.dirOf(info)
	var writes []func() error
	var metas []*instanceMeta
	if err := t.preBarrier(ctx, info); err != nil {
		return err // a failure to emit fails the task, as processing would
	}
	snapErr := func() error {
		if len(t.timers) > 0 {
			t.mu.Lock()
			defer t.mu.Unlock()
		}
		return t.instances(func(kind, name string, obj any, st *instanceState) error {
			if c, ok := obj.(Checkpointed); ok {
				if err := guard(func() error { return c.SnapshotState(ctx, info) }); err != nil {
					return t.taskError(kind, name, fmt.Errorf("checkpoint %d: %w", info.ID, err))
				}
			}
			m := &instanceMeta{uid: st.uid, name: name, subtask: t.subtask, parallelism: t.v.Parallelism}
			metas = append(metas, m)
			if !st.hasState() {
				return nil
			}
			m.dir = filepath.Join(dir, st.uid, strconv.Itoa(t.subtask))
			w, err := st.snapshot(m.dir)
			if err != nil {
				return t.taskError(kind, name, fmt.Errorf("checkpoint %d: %w", info.ID, err))
			}
			m.keyed, m.op = st.keyed != nil, st.op != nil
			if w != nil {
				writes = append(writes, w)
			}
			return nil
		})
	}()
	// The barrier goes on even when the snapshot failed: the coordinator
	// declines the checkpoint, and downstream tasks must not stay aligned.
	for _, o := range t.outputs {
		if !forward {
			break
		}
		if err := o.barrier(ctx, &info); err != nil {
			return err
		}
	}
	syncDur := time.Since(start)
	coord, attemptRun := t.job.coord, t.job
	coord.writes.Add(1)
	go func() {
		defer coord.writes.Done()
		a := ackMsg{run: attemptRun, task: t.index, id: info.ID, align: align, sync: syncDur, err: snapErr, metas: metas}
		if snapErr == nil {
			for _, w := range writes {
				if err := w(); err != nil {
					a.err = t.taskError("task", t.v.Name, fmt.Errorf("checkpoint %d: writing state: %w", info.ID, err))
					break
				}
			}
			for _, m := range metas {
				if m.dir != "" {
					m.size = dirSize(m.dir)
				}
			}
		}
		a.dur = time.Since(start)
		coord.send(a)
	}()
	return nil
}

// preBarrier lets chained operators emit what they hold before the
// barrier passes (head first).
func (t *task) preBarrier(ctx context.Context, info CheckpointInfo) error {
	if len(t.timers) > 0 {
		t.mu.Lock()
		defer t.mu.Unlock()
	}
	for _, l := range t.links {
		var op any = l.op
		if n, ok := l.op.(named); ok {
			op = n.Operator
		}
		p, ok := op.(PreBarrierEmitter)
		if !ok {
			continue
		}
		start := time.Now()
		c0 := l.childNanos
		err := guard(func() error { return p.PrepareSnapshotPreBarrier(ctx, info, l.out) })
		l.account(start, c0)
		if err = l.wrap(err); err != nil {
			return err
		}
	}
	return nil
}

// awaitFinalCheckpoint keeps a task whose input ended until a checkpoint
// it took part in after its end has completed and it delivered that
// completion (FLIP-147's final checkpoint): sinks commit what they wrote
// after the previous checkpoint exactly once, in that notification, and
// not at the end of input, where a later failure of another task would
// replay it. It returns false when the job was cancelled first.
func (t *task) awaitFinalCheckpoint(ctx context.Context) bool {
	cp := &t.cp
	t.job.coord.send(endedMsg{run: t.job, task: t.index, last: cp.last})
	var first int64 // the first checkpoint taken after the end
	for {
		if info := cp.takeTrigger(); info != nil {
			if info.ID > cp.last {
				if err := t.checkpointAs(ctx, *info, 0, false); err != nil {
					t.job.fail(err)
					return false
				}
				if first == 0 {
					first = info.ID
				}
			}
		}
		if cp.pending.Load() > 0 {
			cp.mu.Lock()
			mails := cp.mails
			done := false
			for _, m := range mails {
				done = done || (m.complete && first > 0 && m.id >= first)
			}
			cp.mu.Unlock()
			if err := t.deliverMail(ctx); err != nil {
				t.job.fail(err)
				return false
			}
			if done {
				return true
			}
		}
		select {
		case <-cp.signal:
		case <-ctx.Done():
			return false
		}
	}
}

// finishCheckpointing is called when the task's input ended and it
// finished: it waits for its final checkpoint, then its final state (a
// source's end position) is written once and stands for the task in every
// later checkpoint.
func (t *task) finishCheckpointing(ctx context.Context) {
	coord := t.job.coord
	if t.job.ckptEnabled && !t.awaitFinalCheckpoint(ctx) {
		return
	}
	msg := finishedMsg{run: t.job, task: t.index, last: t.cp.last}
	if t.job.ckptEnabled {
		dir := coord.finishedDir(t.job)
		info := CheckpointInfo{ID: 0, Timestamp: time.Now()}
		err := t.instances(func(kind, name string, obj any, st *instanceState) error {
			if c, ok := obj.(Checkpointed); ok && kind != "sink" {
				if err := guard(func() error { return c.SnapshotState(ctx, info) }); err != nil {
					return t.taskError(kind, name, fmt.Errorf("final snapshot: %w", err))
				}
			}
			m := &instanceMeta{uid: st.uid, name: name, subtask: t.subtask, parallelism: t.v.Parallelism}
			msg.metas = append(msg.metas, m)
			if !st.hasState() {
				return nil
			}
			m.dir = filepath.Join(dir, st.uid, strconv.Itoa(t.subtask))
			os.RemoveAll(m.dir)
			w, err := st.snapshot(m.dir)
			if err == nil && w != nil {
				err = w()
			}
			if err != nil {
				return t.taskError(kind, name, fmt.Errorf("final snapshot: %w", err))
			}
			m.keyed, m.op = st.keyed != nil, st.op != nil
			m.size = dirSize(m.dir)
			return nil
		})
		msg.err = err
	}
	coord.send(msg)
}

// dirSize is the bytes of the files under dir.
func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
