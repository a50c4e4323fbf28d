package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/vectorized"
)

// TaskError is the error of one operator, source or sink instance; Execute
// returns the first one of a failed job.
type TaskError struct {
	Job         string
	Kind        string // "source", "operator" or "sink"
	Name        string
	Subtask     int // 0-based; printed 1-based as Flink names subtasks
	Parallelism int
	Err         error
}

func (e *TaskError) Error() string {
	return fmt.Sprintf("job %s: %s %s subtask %d/%d: %v", e.Job, e.Kind, e.Name, e.Subtask+1, e.Parallelism, e.Err)
}

func (e *TaskError) Unwrap() error { return e.Err }

// Execute runs the job until every source ended and every result was
// written (bounded jobs), the first error, or the cancellation of ctx: it
// is Submit followed by Wait.
func Execute(ctx context.Context, g *JobGraph, cfg Config) (*JobResult, error) {
	j, err := Submit(ctx, g, cfg)
	if err != nil {
		return nil, err
	}
	return j.Wait()
}

// Submit starts the job and returns at once; the Job tells when it runs
// and when it ends, and gives its metrics while it runs.
//
// On an error it cancels every task, waits for them, releases every batch
// still in flight and returns the error wrapped in a *TaskError naming the
// job, the operator and the subtask. On cancellation of ctx it returns
// ctx.Err(). The JobResult (with the metrics so far) is returned in every
// case but a graph that does not validate.
func Submit(ctx context.Context, g *JobGraph, cfg Config) (*Job, error) {
	byID, outs, err := g.validate()
	if err != nil {
		return nil, err
	}
	capacity, err := cfg.Int(ConfigChannelCapacity, DefaultChannelCapacity)
	if err != nil {
		return nil, fmt.Errorf("job %s: %w", g.Name, err)
	}
	if capacity < 0 {
		return nil, fmt.Errorf("job %s: %s must not be negative", g.Name, ConfigChannelCapacity)
	}
	maxPar, err := cfg.Int(ConfigMaxParallelism, DefaultMaxParallelism)
	if err != nil {
		return nil, fmt.Errorf("job %s: %w", g.Name, err)
	}
	for _, v := range g.Vertices {
		for _, e := range v.Inputs {
			if e.Partition.Kind == Hash && v.Parallelism > maxPar {
				return nil, fmt.Errorf("job %s: vertex %s has parallelism %d, more than %s = %d", g.Name, v.Name, v.Parallelism, ConfigMaxParallelism, maxPar)
			}
		}
	}
	loc := time.Local
	if z := strings.TrimSpace(cfg.String(ConfigLocalTimeZone, "default")); z != "default" && z != "" {
		if loc, err = LoadZone(z); err != nil {
			return nil, fmt.Errorf("job %s: %s = %q: %w", g.Name, ConfigLocalTimeZone, z, err)
		}
	}
	ck, err := parseCheckpointSettings(g, cfg)
	if err != nil {
		return nil, fmt.Errorf("job %s: %w", g.Name, err)
	}
	restart, err := parseRestartStrategy(cfg, ck.enabled)
	if err != nil {
		return nil, fmt.Errorf("job %s: %w", g.Name, err)
	}
	restore, err := ck.initialRestore(g.Name)
	if err != nil {
		return nil, fmt.Errorf("job %s: %w", g.Name, err)
	}
	mem := g.Mem
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	pub := &Job{
		name: g.Name, g: g, running: make(chan struct{}), done: make(chan struct{}),
		byID: byID, outs: outs, capacity: capacity, maxPar: maxPar, loc: loc, mem: mem, cfg: cfg,
		ck: ck, restart: restart, start: time.Now(),
	}
	jctx, cancel := context.WithCancel(vectorized.WithJobName(ctx, g.Name))
	pub.cancel = cancel
	pub.coord = newCoordinator(pub, ck)
	pub.firstRestore = restore
	if restore != nil {
		pub.coord.restored(restore)
	}
	track(pub)
	first := pub.startAttempt(jctx, restore)
	go pub.supervise(ctx, jctx, first)
	return pub, nil
}

// supervise waits for each attempt of the job and restarts it from the
// last completed checkpoint as the restart strategy allows, then publishes
// the result.
func (j *Job) supervise(ctx, jctx context.Context, a *attempt) {
	defer j.cancel()
	j.coord.startLoop(jctx)
	var err error
	for {
		<-a.done
		err = a.err
		if err == nil || jctx.Err() != nil || j.cancelled.Load() || j.stopped.Load() {
			break
		}
		delay, ok := j.restart.next(err, time.Now())
		if !ok {
			break
		}
		restore := j.coord.latestRestore()
		j.coord.stats(func(s *CheckpointStats) { s.Restarts++ })
		from := "from the start"
		if restore != nil {
			from = fmt.Sprintf("from checkpoint %d (%s)", restore.id, restore.path)
		}
		Logf("job %s failed: %v\nrestarting %s in %v (%s)", j.name, err, from, delay, j.restart)
		select {
		case <-time.After(delay):
		case <-jctx.Done():
		}
		if jctx.Err() != nil {
			break
		}
		if restore != nil {
			j.coord.restored(restore)
		}
		a = j.startAttempt(jctx, restore)
	}
	j.coord.stopLoop()
	j.coord.writes.Wait()
	if j.ck.enabled {
		j.coord.sweepIncomplete()
	}
	j.res = &JobResult{Name: j.name, Duration: time.Since(j.start), Metrics: j.Metrics(), Checkpoints: j.CheckpointStats()}
	j.err = err
	if j.err == nil && ctx.Err() != nil {
		j.err = ctx.Err()
	}
	if j.err == nil && j.cancelled.Load() && !j.stopped.Load() {
		j.err = context.Canceled
	}
	if j.stopped.Load() {
		j.err = nil
	}
	if j.err == nil && j.ck.enabled && (j.stopped.Load() || !j.cancelled.Load()) {
		// A finished job's checkpoints are discarded, as Flink's (a
		// stopped job's savepoint is kept elsewhere): a later
		// --restore latest must not replay the end of a completed job.
		os.RemoveAll(j.ck.jobDir())
	}
	close(j.done)
}

// attempt is one run of the job's tasks (the first, or a restart).
type attempt struct {
	run   *jobRun
	tasks []*task
	done  chan struct{}
	err   error
}

// startAttempt builds the tasks, restoring their state from restore when
// it is not nil, and starts them.
func (j *Job) startAttempt(jctx context.Context, restore *restorePoint) *attempt {
	g := j.g
	actx, acancel := context.WithCancel(jctx)
	job := &jobRun{
		name: g.Name, cfg: j.cfg, mem: j.mem, loc: j.loc, bounded: g.Bounded, start: j.start, cancel: acancel, ctx: actx, maxPar: j.maxPar,
		ckptEnabled: j.ck.enabled, backendType: j.ck.backend, localDir: j.ck.localDir, restore: restore, coord: j.coord,
		mode: j.ck.mode,
	}
	a := &attempt{run: job, done: make(chan struct{})}
	j.attemptNo++
	job.attemptNo = j.attemptNo

	// One inbox per subtask of every consuming vertex: all producers of
	// all its input edges send into it. Producers are numbered per
	// consumer, input by input, for barrier alignment.
	inboxes := make(map[int][]chan envelope)
	producerBase := make(map[int][]int)
	for _, v := range g.Vertices {
		if v.Source != nil {
			continue
		}
		chs := make([]chan envelope, v.Parallelism)
		for s := range chs {
			chs[s] = make(chan envelope, j.capacity)
		}
		inboxes[v.ID] = chs
		base := make([]int, len(v.Inputs))
		n := 0
		for i, e := range v.Inputs {
			base[i] = n
			if e.Partition.Kind == Forward {
				n++
			} else {
				n += j.byID[e.From].Parallelism
			}
		}
		producerBase[v.ID] = base
	}

	for _, v := range g.Vertices {
		producers := 0
		for _, e := range v.Inputs {
			if e.Partition.Kind == Forward {
				producers++
			} else {
				producers += j.byID[e.From].Parallelism
			}
		}
		for s := 0; s < v.Parallelism; s++ {
			t := &task{job: job, v: v, subtask: s, producers: producers, index: len(a.tasks)}
			if v.Source == nil {
				t.in = inboxes[v.ID][s]
			}
			for _, oe := range j.outs[v.ID] {
				o := newOutput(job, oe, inboxes[oe.to.ID], s)
				o.producer = producerBase[oe.to.ID][oe.input]
				if oe.part.Kind != Forward {
					o.producer += s
				}
				t.outputs = append(t.outputs, o)
			}
			t.build()
			a.tasks = append(a.tasks, t)
		}
	}
	j.mu.Lock()
	j.tasks = a.tasks
	j.mu.Unlock()
	j.coord.attach(a)

	job.toOpen.Store(int64(len(a.tasks)))
	job.running = make(chan struct{})
	if len(a.tasks) == 0 {
		close(job.running)
	}
	go func() {
		select {
		case <-job.running:
			j.runningOnce.Do(func() { close(j.running) })
		case <-a.done:
		}
	}()
	var wg sync.WaitGroup
	wg.Add(len(a.tasks))
	for _, t := range a.tasks {
		go func() {
			defer wg.Done()
			t.run(actx)
		}()
	}
	go func() {
		defer acancel()
		wg.Wait()
		// Every task has stopped: what is left in the channels was never
		// processed and is released here.
		for _, chs := range inboxes {
			for _, ch := range chs {
				for drained := false; !drained; {
					select {
					case e := <-ch:
						if e.batch != nil {
							e.batch.Release()
						}
					default:
						drained = true
					}
				}
			}
		}
		for _, t := range a.tasks {
			t.releaseHeld()
		}
		job.mu.Lock()
		a.err = job.err
		job.mu.Unlock()
		j.coord.detach(a)
		close(a.done)
	}()
	return a
}

// Job is a submitted job.
type Job struct {
	name string
	g    *JobGraph
	cfg  Config

	byID     map[int]*Vertex
	outs     map[int][]outEdge
	capacity int
	maxPar   int
	loc      *time.Location
	mem      memory.Allocator
	start    time.Time
	ck       checkpointSettings
	restart  *restartStrategy
	coord    *coordinator
	// attemptNo counts the attempts started (supervise's goroutine).
	attemptNo int
	// firstRestore is the checkpoint the job was submitted to start
	// from; a restart before any checkpoint completed starts there again.
	firstRestore *restorePoint

	mu    sync.Mutex
	tasks []*task // the current attempt's

	cancel      context.CancelFunc
	cancelled   atomic.Bool
	stopped     atomic.Bool // stopped with a savepoint
	running     chan struct{}
	runningOnce sync.Once
	done        chan struct{}
	res         *JobResult
	err         error
}

// Name is the job's name.
func (j *Job) Name() string { return j.name }

// Running is closed once every task of the first attempt has opened:
// sources have connected and fixed their start positions (a Kafka source
// reading from the latest offset reads what is produced after this). It
// stays open when the job fails before that; Done is closed then.
func (j *Job) Running() <-chan struct{} { return j.running }

// Done is closed when the job has ended, for whatever reason.
func (j *Job) Done() <-chan struct{} { return j.done }

// Cancel stops the job; Wait then returns context.Canceled unless the job
// had already ended.
func (j *Job) Cancel() {
	j.cancelled.Store(true)
	j.cancel()
}

// Wait blocks until the job ends and returns its result, as Execute.
func (j *Job) Wait() (*JobResult, error) {
	<-j.done
	return j.res, j.err
}

// CheckpointStats returns the job's checkpoint metrics so far.
func (j *Job) CheckpointStats() CheckpointStats { return j.coord.snapshotStats() }

// Metrics returns the current value of every instance's counters, in the
// order of JobResult.Metrics (the current attempt's after a restart).
func (j *Job) Metrics() []MetricsSnapshot {
	j.mu.Lock()
	tasks := j.tasks
	j.mu.Unlock()
	var out []MetricsSnapshot
	for _, v := range j.g.Vertices {
		var vt []*task
		for _, t := range tasks {
			if t.v == v {
				vt = append(vt, t)
			}
		}
		for _, t := range vt {
			if t.source != nil {
				out = append(out, snapshot(v, t.subtask, "source", t.sourceName, -1, &t.sourceMetrics))
			}
		}
		for pos := range v.Chain {
			for _, t := range vt {
				l := t.links[pos]
				out = append(out, snapshot(v, t.subtask, "operator", l.name, pos, &l.metrics))
			}
		}
		for _, t := range vt {
			if t.sink != nil {
				out = append(out, snapshot(v, t.subtask, "sink", t.sinkName, len(v.Chain), &t.sinkMetrics))
			}
		}
	}
	return out
}

func snapshot(v *Vertex, subtask int, kind, name string, pos int, m *OperatorMetrics) MetricsSnapshot {
	return MetricsSnapshot{
		VertexID: v.ID, Vertex: v.Name, Operator: name, Kind: kind, Position: pos, Subtask: subtask,
		RecordsIn: m.RecordsIn.Load(), RecordsOut: m.RecordsOut.Load(),
		BatchesIn: m.BatchesIn.Load(), BatchesOut: m.BatchesOut.Load(),
		Busy: time.Duration(m.BusyNanos.Load()), BackPressed: time.Duration(m.BackPressuredNanos.Load()),
		Counters: m.snapshotCounters(),
	}
}

// jobRun is the state one Execute call shares among its tasks.
type jobRun struct {
	name    string
	cfg     Config
	mem     memory.Allocator
	loc     *time.Location
	bounded bool
	start   time.Time
	maxPar  int
	ctx     context.Context

	// Checkpoints: whether they are taken, the state backend instances
	// open, and the checkpoint this attempt restores from (nil: none).
	ckptEnabled bool
	backendType string
	localDir    string
	restore     *restorePoint
	coord       *coordinator
	mode        CheckpointMode
	attemptNo   int

	cancel context.CancelFunc

	// toOpen counts the tasks still opening; running is closed when it
	// reaches zero.
	toOpen  atomic.Int64
	running chan struct{}

	mu  sync.Mutex
	err error
}

// fail records the first error and cancels the job. Errors that are only
// the echo of that cancellation (or of the caller's) are not recorded.
func (j *jobRun) fail(err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return
	}
	if j.ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return
	}
	j.err = err
	j.cancel()
}

func (j *jobRun) evalContext() *vectorized.EvalContext {
	now := time.Now()
	if j.bounded {
		now = j.start
	}
	return &vectorized.EvalContext{Ctx: j.ctx, Mem: j.mem, Now: now, Location: j.loc}
}

// envelope is what travels in a task's inbox: a batch from input edge
// `input`, or the end of one producer's output.
type envelope struct {
	input    int
	producer int // the sender, numbered per consumer (alignment)
	batch    *vectorized.Batch
	eoi      bool
	barrier  *CheckpointInfo // a checkpoint barrier
	wm       wmSignal        // a watermark (ts) or a status change
	ts       int64
}

// task is one subtask of a vertex: its source or inbox, its chained
// operators, its sink or outputs, run by one goroutine.
type task struct {
	job       *jobRun
	v         *Vertex
	subtask   int
	index     int // in the attempt's task list
	in        chan envelope
	producers int
	outputs   []*output

	source        Source
	sourceName    string
	sourceMetrics OperatorMetrics
	sourceState   *instanceState
	sourceChild   int64 // time the source's Run spent downstream

	links []*link

	sink        Sink
	sinkName    string
	sinkMetrics OperatorMetrics
	sinkState   *instanceState

	head component // first component after the source / inbox

	// Processing-time timers of chained operators: when there are any, a
	// timer goroutine and the task's own goroutine take turns on mu.
	timers  []timerLink
	mu      sync.Mutex
	timer   *time.Timer
	armedAt time.Time

	cp taskCheckpoints
	wm taskWatermarks
}

type timerLink struct {
	l *link
	t ProcessingTimer
}

// component is a step of a task's pipeline: an operator, the sink, or the
// exchange. parentChild is where it credits its inclusive time so the
// caller can subtract it from its own busy time.
type component interface {
	process(ctx context.Context, input int, b *vectorized.Batch) error
}

// link runs one chained operator.
type link struct {
	t           *task
	pos         int
	op          Operator
	name        string
	metrics     OperatorMetrics
	next        component
	childNanos  int64  // inclusive time of downstream components during my calls
	parentChild *int64 // my caller's childNanos
	rt          *RuntimeContext
	out         linkOut
	state       *instanceState
	wmIn        int64 // the last watermark delivered to the operator
}

// linkOut is the Collector an operator emits into: it counts and forwards.
type linkOut struct{ l *link }

func (o linkOut) Collect(ctx context.Context, b *vectorized.Batch) error {
	n := b.NumRows()
	if n == 0 {
		return nil
	}
	o.l.metrics.RecordsOut.Add(n)
	o.l.metrics.BatchesOut.Add(1)
	return o.l.next.process(ctx, 0, b)
}

func (l *link) process(ctx context.Context, input int, b *vectorized.Batch) (err error) {
	defer l.t.recoverInto(&err, "operator", l.name)
	n := b.NumRows()
	if n == 0 {
		return nil
	}
	l.metrics.RecordsIn.Add(n)
	l.metrics.BatchesIn.Add(1)
	start := time.Now()
	c0 := l.childNanos
	err = l.op.Process(ctx, input, b, l.out)
	*l.parentChild += l.account(start, c0)
	return l.wrap(err)
}

// account charges a call that started at start to the operator's busy time,
// less what downstream components took; it returns the call's inclusive
// time, which a caller that is itself being timed adds to its child time.
func (l *link) account(start time.Time, c0 int64) int64 {
	d := int64(time.Since(start))
	l.metrics.BusyNanos.Add(d - (l.childNanos - c0))
	return d
}

func (l *link) wrap(err error) error {
	if err == nil {
		return nil
	}
	var te *TaskError
	if errors.As(err, &te) {
		return err
	}
	return l.t.taskError("operator", l.name, err)
}

func (t *task) taskError(kind, name string, err error) error {
	return &TaskError{Job: t.job.name, Kind: kind, Name: name, Subtask: t.subtask, Parallelism: t.v.Parallelism, Err: err}
}

// sinkTail writes into the vertex's sink.
type sinkTail struct{ t *task }

func (s sinkTail) process(ctx context.Context, _ int, b *vectorized.Batch) (err error) {
	t := s.t
	defer t.recoverInto(&err, "sink", t.sinkName)
	n := b.NumRows()
	if n == 0 {
		return nil
	}
	t.sinkMetrics.RecordsIn.Add(n)
	t.sinkMetrics.BatchesIn.Add(1)
	start := time.Now()
	err = t.sink.Write(ctx, b)
	d := int64(time.Since(start))
	t.sinkMetrics.BusyNanos.Add(d)
	*t.tailParent() += d
	if err != nil {
		return t.taskError("sink", t.sinkName, err)
	}
	return nil
}

// exchangeTail sends to the downstream tasks.
type exchangeTail struct{ t *task }

func (x exchangeTail) process(ctx context.Context, _ int, b *vectorized.Batch) error {
	t := x.t
	if b.NumRows() == 0 {
		return nil
	}
	start := time.Now()
	var err error
	for _, o := range t.outputs {
		if err = o.send(ctx, b, t.tailMetrics()); err != nil {
			break
		}
	}
	*t.tailParent() += int64(time.Since(start))
	return err
}

// tailParent is the child-time counter of whatever feeds the tail.
func (t *task) tailParent() *int64 {
	if len(t.links) > 0 {
		return &t.links[len(t.links)-1].childNanos
	}
	return &t.sourceChild
}

// tailMetrics are the metrics back pressure is charged to: the last
// operator, or the source.
func (t *task) tailMetrics() *OperatorMetrics {
	if len(t.links) > 0 {
		return &t.links[len(t.links)-1].metrics
	}
	return &t.sourceMetrics
}

// discardTail ends a vertex nobody consumes.
type discardTail struct{}

func (discardTail) process(context.Context, int, *vectorized.Batch) error { return nil }

// build instantiates the task's source, operators and sink and wires them.
func (t *task) build() {
	v := t.v
	t.cp.signal = make(chan struct{}, 1)
	t.wm.init(t.producers)
	if v.Source != nil {
		t.source = v.Source(t.subtask)
		t.sourceName = nameOf(t.source, v.Name)
		t.sourceState = t.job.instance(v, "src", t.sourceName, t.subtask)
	}
	if v.Sink != nil {
		t.sink = v.Sink(t.subtask)
		t.sinkName = nameOf(t.sink, v.Name)
		t.sinkState = t.job.instance(v, "sink", t.sinkName, t.subtask)
	}
	for i, f := range v.Chain {
		op := f()
		l := &link{t: t, pos: i, op: op, name: nameOf(op, ""), wmIn: MinWatermark}
		l.state = t.job.instance(v, fmt.Sprint(i), l.name, t.subtask)
		l.out = linkOut{l}
		if tm, ok := timerOf(op); ok {
			t.timers = append(t.timers, timerLink{l, tm})
		}
		t.links = append(t.links, l)
	}
	var tail component = discardTail{}
	switch {
	case t.sink != nil:
		tail = sinkTail{t}
	case len(t.outputs) > 0:
		tail = exchangeTail{t}
	}
	for i, l := range t.links {
		if i+1 < len(t.links) {
			l.next = t.links[i+1]
		} else {
			l.next = tail
		}
		if i == 0 {
			l.parentChild = &t.sourceChild
		} else {
			l.parentChild = &t.links[i-1].childNanos
		}
	}
	if len(t.links) > 0 {
		t.head = t.links[0]
	} else {
		t.head = tail
	}
}

// runtimeContext is an instance's context; its Watermark is the task's
// input watermark until watching points it at the instance's own.
func (t *task) runtimeContext(name string, m *OperatorMetrics, st *instanceState) *RuntimeContext {
	return t.watching(&RuntimeContext{
		JobName: t.job.name, OperatorName: name, TaskName: t.v.Name, Subtask: t.subtask, Parallelism: t.v.Parallelism,
		Mem: t.job.mem, Metrics: m, Config: t.job.cfg,
		MaxParallelism: t.job.maxPar, ckpt: st,
	}, func() int64 { return t.wm.combined })
}

// run is the task's goroutine body.
func (t *task) run(ctx context.Context) {
	var opened []func() error
	err := t.guardTask(func() error { return t.open(ctx, &opened) })
	if err == nil {
		if t.job.toOpen.Add(-1) == 0 {
			close(t.job.running)
		}
		err = t.guardTask(func() error { return t.body(ctx) })
		if err == nil {
			t.finishCheckpointing(ctx)
		}
	}
	if err != nil {
		t.job.fail(err)
	}
	// Close in reverse order of opening, whatever happened.
	for i := len(opened) - 1; i >= 0; i-- {
		if cerr := t.guardTask(opened[i]); cerr != nil {
			t.job.fail(cerr)
		}
	}
}

func (t *task) open(ctx context.Context, opened *[]func() error) error {
	if t.sink != nil {
		*opened = append(*opened, func() error {
			err := guard(t.sink.Close)
			if serr := t.sinkState.close(); err == nil {
				err = serr
			}
			if err != nil {
				return t.taskError("sink", t.sinkName, fmt.Errorf("close: %w", err))
			}
			return nil
		})
		if err := guard(func() error {
			return t.sink.Open(ctx, t.watching(t.runtimeContext(t.sinkName, &t.sinkMetrics, t.sinkState), func() int64 { return t.wm.tail }))
		}); err != nil {
			return t.taskError("sink", t.sinkName, fmt.Errorf("open: %w", err))
		}
	}
	for i := len(t.links) - 1; i >= 0; i-- {
		l := t.links[i]
		*opened = append(*opened, func() error {
			err := guard(l.op.Close)
			if serr := l.state.close(); err == nil {
				err = serr
			}
			if err != nil {
				return t.taskError("operator", l.name, fmt.Errorf("close: %w", err))
			}
			return nil
		})
		l.rt = t.watching(t.runtimeContext(l.name, &l.metrics, l.state), func() int64 { return l.wmIn })
		if err := guard(func() error { return l.op.Open(ctx, l.rt) }); err != nil {
			return t.taskError("operator", l.name, fmt.Errorf("open: %w", err))
		}
	}
	if t.source != nil {
		*opened = append(*opened, func() error {
			err := guard(t.source.Close)
			if serr := t.sourceState.close(); err == nil {
				err = serr
			}
			if err != nil {
				return t.taskError("source", t.sourceName, fmt.Errorf("close: %w", err))
			}
			return nil
		})
		if err := guard(func() error {
			return t.source.Open(ctx, t.runtimeContext(t.sourceName, &t.sourceMetrics, t.sourceState))
		}); err != nil {
			return t.taskError("source", t.sourceName, fmt.Errorf("open: %w", err))
		}
	}
	return nil
}

func (t *task) body(ctx context.Context) error {
	if len(t.timers) > 0 {
		stop := t.startTimers(ctx)
		defer stop()
	}
	if t.source != nil {
		if err := t.runSource(ctx); err != nil {
			return err
		}
		// A source that ended fires every event-time timer downstream,
		// as Flink's sources emit MAX_WATERMARK at their end.
		if err := t.sourceEnded(ctx); err != nil {
			return err
		}
	} else if err := t.consume(ctx); err != nil {
		return err
	}
	if err := t.endInput(ctx); err != nil {
		return err
	}
	for _, o := range t.outputs {
		if err := o.endOfInput(ctx); err != nil {
			return err
		}
	}
	return nil
}

// sourceOut is the Collector a source emits into.
type sourceOut struct{ t *task }

func (o sourceOut) Collect(ctx context.Context, b *vectorized.Batch) error {
	t := o.t
	n := b.NumRows()
	if n == 0 {
		return o.Yield(ctx)
	}
	t.sourceMetrics.RecordsOut.Add(n)
	t.sourceMetrics.BatchesOut.Add(1)
	if err := t.enter(ctx, 0, b); err != nil {
		return err
	}
	return o.Yield(ctx)
}

// Yield lets a pending checkpoint and notifications through: the source is
// between two batches.
func (o sourceOut) Yield(ctx context.Context) error {
	t := o.t
	if !t.cp.flag.Load() && t.cp.pending.Load() == 0 {
		return nil
	}
	return t.sourcePoll(ctx)
}

// enter hands a batch to the head of the pipeline, taking turns with the
// timer goroutine if there is one.
func (t *task) enter(ctx context.Context, input int, b *vectorized.Batch) error {
	if len(t.timers) == 0 {
		return t.head.process(ctx, input, b)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	err := t.head.process(ctx, input, b)
	t.rearm()
	return err
}

func (t *task) runSource(ctx context.Context) error {
	start := time.Now()
	c0 := t.sourceChild
	err := guard(func() error { return t.source.Run(ctx, sourceOut{t}) })
	d := int64(time.Since(start))
	t.sourceMetrics.BusyNanos.Add(d - (t.sourceChild - c0))
	if err != nil {
		var te *TaskError
		if errors.As(err, &te) {
			return err
		}
		return t.taskError("source", t.sourceName, err)
	}
	return nil
}

func (t *task) consume(ctx context.Context) error {
	cp := &t.cp
	cp.arrived = make([]bool, t.producers)
	cp.ended = make([]bool, t.producers)
	for cp.nEnded < t.producers {
		var e envelope
		if len(cp.queue) > 0 {
			e = cp.queue[0]
			cp.queue = cp.queue[1:]
		} else {
			select {
			case e = <-t.in:
			case <-cp.signal:
				if err := t.deliverMail(ctx); err != nil {
					return err
				}
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if err := t.handle(ctx, e); err != nil {
			return err
		}
	}
	return t.deliverMail(ctx)
}

// endInput calls EndInput on each chained operator in order — what the
// first emits flows through the rest before they end — then finishes the
// sink.
func (t *task) endInput(ctx context.Context) error {
	if len(t.timers) > 0 {
		t.mu.Lock()
		defer t.mu.Unlock()
	}
	for _, l := range t.links {
		start := time.Now()
		c0 := l.childNanos
		err := guard(func() error { return l.op.EndInput(ctx, l.out) })
		l.account(start, c0)
		if err = l.wrap(err); err != nil {
			return err
		}
	}
	if t.sink != nil {
		start := time.Now()
		err := guard(func() error { return t.sink.Finish(ctx) })
		t.sinkMetrics.BusyNanos.Add(int64(time.Since(start)))
		if err != nil {
			return t.taskError("sink", t.sinkName, fmt.Errorf("finish: %w", err))
		}
	}
	return nil
}

func (t *task) startTimers(ctx context.Context) (stop func()) {
	t.timer = time.NewTimer(time.Hour)
	t.timer.Stop()
	t.mu.Lock()
	t.rearm()
	t.mu.Unlock()
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case now := <-t.timer.C:
				err := t.guardTask(func() error {
					t.mu.Lock()
					defer t.mu.Unlock()
					return t.fireTimers(ctx, now)
				})
				if err != nil {
					t.job.fail(err)
					return
				}
			}
		}
	}()
	return func() {
		close(done)
		<-exited
		t.timer.Stop()
	}
}

// fireTimers runs the due timers in chain order; t.mu is held.
func (t *task) fireTimers(ctx context.Context, now time.Time) error {
	t.armedAt = time.Time{}
	for _, tl := range t.timers {
		next := tl.t.NextTimer()
		if next.IsZero() || next.After(now) {
			continue
		}
		start := time.Now()
		c0 := tl.l.childNanos
		err := guard(func() error { return tl.t.OnTimer(ctx, now, tl.l.out) })
		tl.l.account(start, c0)
		if err = tl.l.wrap(err); err != nil {
			return err
		}
	}
	t.rearm()
	return nil
}

// rearm points the timer at the earliest pending operator timer; t.mu is
// held.
func (t *task) rearm() {
	var next time.Time
	for _, tl := range t.timers {
		if n := tl.t.NextTimer(); !n.IsZero() && (next.IsZero() || n.Before(next)) {
			next = n
		}
	}
	if next.Equal(t.armedAt) {
		return
	}
	t.armedAt = next
	if next.IsZero() {
		t.timer.Stop()
		return
	}
	t.timer.Reset(time.Until(next))
}
