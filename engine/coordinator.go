package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"
)

// coordinator is Flink's CheckpointCoordinator for one job: it triggers
// checkpoints at the sources every execution.checkpointing.interval (one
// at a time, min-pause apart), collects the tasks' acknowledgements,
// writes the checkpoint's _metadata last, notifies the tasks, retains
// state.checkpoints.num-retained checkpoints, aborts a checkpoint on a
// decline or after the timeout, and fails the job after more than
// tolerable-failed-checkpoints failures in a row. All its bookkeeping runs
// in one goroutine fed by events.
type coordinator struct {
	job *Job
	s   checkpointSettings

	events   chan any
	stop     chan struct{}
	loopDone chan struct{}
	started  bool
	// writes counts the tasks' state writes still running on their own
	// goroutines: the job waits for them before it reports its end, so
	// nothing writes into a checkpoint directory after that.
	writes sync.WaitGroup

	mu         sync.Mutex
	st         CheckpointStats
	nextID     int64
	latestPath string // the last completed checkpoint or savepoint

	// Loop-goroutine state.
	cur         *attempt
	finished    map[int]finishedMsg
	ended       map[int]bool // input ended, waiting for a final checkpoint
	soon        bool         // a task waits: checkpoint as soon as min-pause allows
	pending     *pendingCheckpoint
	waiting     []savepointReq
	lastTrigger time.Time
	lastEnd     time.Time
	failures    int
	retained    []string
}

type pendingCheckpoint struct {
	info     CheckpointInfo
	dir      string
	start    time.Time
	run      *jobRun
	acks     map[int]ackMsg
	fromTask map[int]bool // acknowledged by the task itself (notify it)
	req      *savepointReq
}

type ackMsg struct {
	run   *jobRun
	task  int
	id    int64
	align time.Duration
	sync  time.Duration
	dur   time.Duration
	err   error
	metas []*instanceMeta
}

type finishedMsg struct {
	run   *jobRun
	task  int
	last  int64
	metas []*instanceMeta
	err   error
}

type savepointReq struct {
	dir   string
	stop  bool
	reply chan savepointReply
}

type savepointReply struct {
	path string
	err  error
}

// endedMsg: a task's input ended; it waits for a checkpoint to finish in.
type endedMsg struct {
	run  *jobRun
	task int
	last int64
}

type attachMsg struct{ a *attempt }

// detachMsg ends an attempt; done is closed once the loop handled it.
type detachMsg struct {
	a    *attempt
	done chan struct{}
}

func newCoordinator(j *Job, s checkpointSettings) *coordinator {
	c := &coordinator{job: j, s: s, events: make(chan any, 1024), stop: make(chan struct{}), loopDone: make(chan struct{}), nextID: 1}
	c.st.Enabled = s.enabled
	return c
}

// send hands an event to the loop; it is dropped once the loop stopped.
func (c *coordinator) send(ev any) {
	select {
	case c.events <- ev:
	case <-c.loopDone:
	}
}

func (c *coordinator) attach(a *attempt) { c.send(attachMsg{a}) }

// detach ends attempt a and returns once the loop has handled everything
// sent before it: a checkpoint whose acknowledgements were already queued
// completes (or the pending one is aborted) before the restart reads
// latestRestore. Otherwise that checkpoint could complete after the
// restart chose the previous one, and retaining it would delete the very
// directory the new attempt restores from.
func (c *coordinator) detach(a *attempt) {
	done := make(chan struct{})
	c.send(detachMsg{a: a, done: done})
	select {
	case <-done:
	case <-c.loopDone:
	}
}

func (c *coordinator) startLoop(ctx context.Context) {
	c.started = true
	go c.loop(ctx)
}

func (c *coordinator) stopLoop() {
	if !c.started {
		return
	}
	close(c.stop)
	<-c.loopDone
}

// sweepIncomplete removes the checkpoint directories of this job that
// never got their _metadata (aborted, or written to by a task of a failed
// attempt after the abort removed them), once every write has ended.
func (c *coordinator) sweepIncomplete() {
	dirs, _ := filepath.Glob(filepath.Join(c.s.jobDir(), "chk-*"))
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, metadataName)); os.IsNotExist(err) {
			os.RemoveAll(d)
		}
	}
}

func (c *coordinator) stats(fn func(*CheckpointStats)) {
	c.mu.Lock()
	fn(&c.st)
	c.mu.Unlock()
}

func (c *coordinator) snapshotStats() CheckpointStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st
}

// restored records that the next attempt starts from rp.
func (c *coordinator) restored(rp *restorePoint) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st.RestoredID, c.st.RestoredPath = rp.id, rp.path
	if rp.id >= c.nextID {
		c.nextID = rp.id + 1
	}
}

// latestRestore loads the last completed checkpoint for a restart.
func (c *coordinator) latestRestore() *restorePoint {
	c.mu.Lock()
	p := c.latestPath
	c.mu.Unlock()
	if p == "" {
		return c.job.initialRestore()
	}
	rp, err := loadRestorePoint(p)
	if err != nil {
		Logf("job %s: the last checkpoint cannot be used for the restart: %v", c.job.name, err)
		return c.job.initialRestore()
	}
	return rp
}

// dirOf is where checkpoint info is written.
func (c *coordinator) dirOf(info CheckpointInfo) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending != nil && c.pending.info.ID == info.ID {
		return c.pending.dir
	}
	return filepath.Join(c.s.jobDir(), fmt.Sprintf("chk-%d", info.ID))
}

// finishedDir is where finished tasks of run write their final state.
func (c *coordinator) finishedDir(run *jobRun) string {
	return filepath.Join(c.s.jobDir(), finishedDir, fmt.Sprintf("attempt-%d", run.attemptNo))
}

func (c *coordinator) loop(ctx context.Context) {
	defer close(c.loopDone)
	for {
		var tick, expire <-chan time.Time
		var timers []*time.Timer
		if c.s.enabled && c.cur != nil && c.pending == nil {
			due := c.lastTrigger.Add(c.s.interval)
			if c.lastTrigger.IsZero() {
				due = c.job.start.Add(c.s.interval)
			}
			if c.soon {
				due = time.Now()
			}
			if p := c.lastEnd.Add(c.s.minPause); p.After(due) {
				due = p
			}
			tm := time.NewTimer(time.Until(due))
			timers = append(timers, tm)
			tick = tm.C
		}
		if c.pending != nil {
			tm := time.NewTimer(time.Until(c.pending.start.Add(c.s.timeout)))
			timers = append(timers, tm)
			expire = tm.C
		}
		if c.pending == nil && len(c.waiting) > 0 && c.cur != nil {
			req := c.waiting[0]
			c.waiting = c.waiting[1:]
			c.trigger(&req)
			for _, tm := range timers {
				tm.Stop()
			}
			continue
		}
		select {
		case <-ctx.Done():
			c.shutdown(ctx.Err())
			return
		case <-c.stop:
			c.shutdown(errors.New("the job ended"))
			return
		case ev := <-c.events:
			c.handle(ev)
		case <-tick:
			c.trigger(nil)
		case <-expire:
			c.abort(fmt.Errorf("checkpoint %d expired before completing (%s = %v)", c.pending.info.ID, ConfigCheckpointTimeout, c.s.timeout), true)
		}
		for _, tm := range timers {
			tm.Stop()
		}
	}
}

func (c *coordinator) shutdown(why error) {
	if c.pending != nil {
		c.abort(fmt.Errorf("checkpoint %d aborted: %v", c.pending.info.ID, why), false)
	}
	for _, r := range c.waiting {
		r.reply <- savepointReply{err: fmt.Errorf("savepoint not taken: %v", why)}
	}
	c.waiting = nil
}

func (c *coordinator) handle(ev any) {
	switch e := ev.(type) {
	case attachMsg:
		c.cur = e.a
		c.finished = map[int]finishedMsg{}
		c.ended = map[int]bool{}
		c.soon = false
	case detachMsg:
		if c.cur == e.a {
			if c.pending != nil && c.pending.run == e.a.run {
				c.abort(fmt.Errorf("checkpoint %d aborted: the job's tasks stopped", c.pending.info.ID), false)
			}
			c.cur = nil
		}
		close(e.done)
	case ackMsg:
		p := c.pending
		if p == nil || p.run != e.run || p.info.ID != e.id {
			return // stale: aborted, or from a failed attempt
		}
		if e.err != nil {
			c.abort(fmt.Errorf("checkpoint %d declined: %w", e.id, e.err), true)
			return
		}
		p.acks[e.task] = e
		p.fromTask[e.task] = true
		c.maybeComplete()
	case endedMsg:
		if c.cur == nil || c.cur.run != e.run {
			return
		}
		c.ended[e.task] = true
		c.soon = true
		// A task that ended before the pending checkpoint reached it holds
		// exactly the state of everything before that checkpoint's
		// barriers: it takes part now.
		if p := c.pending; p != nil && p.run == e.run {
			if _, ok := p.acks[e.task]; !ok && e.last < p.info.ID {
				c.cur.tasks[e.task].cp.setTrigger(p.info)
			}
		}
	case finishedMsg:
		if c.cur == nil || c.cur.run != e.run {
			return
		}
		if e.err != nil {
			Logf("job %s: %v", c.job.name, e.err)
		}
		c.finished[e.task] = e
		if p := c.pending; p != nil && p.run == e.run {
			if _, ok := p.acks[e.task]; !ok && e.last < p.info.ID {
				if e.err != nil {
					c.abort(fmt.Errorf("checkpoint %d declined: %w", p.info.ID, e.err), true)
					return
				}
				p.acks[e.task] = ackMsg{run: e.run, task: e.task, id: p.info.ID, metas: e.metas}
				c.maybeComplete()
			}
		}
	case savepointReq:
		c.waiting = append(c.waiting, e)
	}
}

// trigger starts a checkpoint (req nil) or a savepoint.
func (c *coordinator) trigger(req *savepointReq) {
	c.lastTrigger = time.Now()
	c.soon = false
	run := c.cur.run
	c.mu.Lock()
	id := c.nextID
	c.nextID++
	c.mu.Unlock()
	info := CheckpointInfo{ID: id, Timestamp: time.Now()}
	dir := filepath.Join(c.s.jobDir(), fmt.Sprintf("chk-%d", id))
	if req != nil {
		info.Savepoint = true
		info.synchronous = req.stop
		dir = req.dir
	}
	live := 0
	for i := range c.cur.tasks {
		if _, done := c.finished[i]; !done {
			live++
		}
	}
	if live == 0 {
		if req != nil {
			req.reply <- savepointReply{err: errors.New("savepoint not taken: every task of the job has finished")}
		}
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		c.fail(fmt.Errorf("checkpoint %d: %w", id, err), req)
		return
	}
	p := &pendingCheckpoint{info: info, dir: dir, start: time.Now(), run: run, acks: map[int]ackMsg{}, fromTask: map[int]bool{}, req: req}
	c.mu.Lock()
	c.pending = p
	c.st.InProgress = 1
	c.mu.Unlock()
	for i, t := range c.cur.tasks {
		if f, done := c.finished[i]; done {
			p.acks[i] = ackMsg{run: run, task: i, id: id, metas: f.metas}
			continue
		}
		if t.source != nil || c.ended[i] {
			t.cp.setTrigger(info)
		}
	}
	c.maybeComplete()
}

// fail records a checkpoint that could not even start.
func (c *coordinator) fail(err error, req *savepointReq) {
	if req != nil {
		req.reply <- savepointReply{err: err}
		return
	}
	c.countFailure(err)
}

func (c *coordinator) countFailure(err error) {
	c.mu.Lock()
	c.st.Failed++
	c.st.LastFailure = err.Error()
	c.mu.Unlock()
	Logf("job %s: %v", c.job.name, err)
	c.failures++
	if c.failures > c.s.tolerable && c.cur != nil {
		c.cur.run.fail(fmt.Errorf("%w (more than %s = %d checkpoint failures in a row)", err, ConfigCheckpointTolerableFailures, c.s.tolerable))
	}
}

// abort gives up the pending checkpoint; with count it is a failed
// checkpoint (stats, and towards the tolerable number), else it was
// discarded because the job ended.
func (c *coordinator) abort(err error, count bool) {
	p := c.pending
	c.mu.Lock()
	c.pending = nil
	c.st.InProgress = 0
	c.mu.Unlock()
	c.lastEnd = time.Now()
	if c.cur != nil && c.cur.run == p.run {
		for i := range p.fromTask {
			c.cur.tasks[i].cp.post(mail{id: p.info.ID})
		}
	}
	if p.req == nil {
		os.RemoveAll(p.dir)
	} else {
		os.RemoveAll(p.dir)
		p.req.reply <- savepointReply{err: err}
		count = false
	}
	// A checkpoint discarded because the job (or this attempt) ended is
	// not a failed checkpoint.
	if count {
		c.countFailure(err)
	}
}

// maybeComplete completes the pending checkpoint once every task
// acknowledged it: _metadata is written last, then the tasks are told.
func (c *coordinator) maybeComplete() {
	p := c.pending
	if p == nil || len(p.acks) < len(c.cur.tasks) {
		return
	}
	meta := checkpointMetadata{
		Format: metadataFormat, JobID: c.s.jobID, Job: c.job.name, CheckpointID: p.info.ID, Timestamp: p.info.Timestamp,
		Savepoint: p.info.Savepoint, MaxParallelism: c.job.maxPar,
	}
	ops := map[string]*operatorMeta{}
	var size int64
	var align time.Duration
	idx := make([]int, 0, len(p.acks))
	for i := range p.acks {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		a := p.acks[i]
		align = max(align, a.align)
		for _, m := range a.metas {
			op := ops[m.uid]
			if op == nil {
				op = &operatorMeta{UID: m.uid, Name: m.name, Parallelism: m.parallelism}
				ops[m.uid] = op
			}
			st := subtaskMeta{Subtask: m.subtask, Keyed: m.keyed, Operator: m.op, Size: m.size}
			if m.dir != "" {
				dir := m.dir
				if p.info.Savepoint && !withinDir(dir, p.dir) {
					// Savepoints are self-contained: finished tasks'
					// state is copied in.
					dst := filepath.Join(p.dir, m.uid, fmt.Sprint(m.subtask))
					if err := copyTree(dir, dst); err != nil {
						c.abort(fmt.Errorf("savepoint %d: %w", p.info.ID, err), true)
						return
					}
					dir = dst
				}
				rel, err := filepath.Rel(p.dir, dir)
				if err != nil {
					c.abort(fmt.Errorf("checkpoint %d: %w", p.info.ID, err), true)
					return
				}
				st.Dir = filepath.ToSlash(rel)
			}
			size += m.size
			op.Subtasks = append(op.Subtasks, st)
		}
	}
	for _, op := range ops {
		slices.SortFunc(op.Subtasks, func(a, b subtaskMeta) int { return a.Subtask - b.Subtask })
		meta.Operators = append(meta.Operators, *op)
	}
	slices.SortFunc(meta.Operators, func(a, b operatorMeta) int {
		if a.UID < b.UID {
			return -1
		}
		if a.UID > b.UID {
			return 1
		}
		return 0
	})
	if err := writeMetadata(p.dir, meta); err != nil {
		c.abort(fmt.Errorf("checkpoint %d: writing %s: %w", p.info.ID, metadataName, err), true)
		return
	}
	now := time.Now()
	c.mu.Lock()
	c.pending = nil
	c.st.InProgress = 0
	c.st.Completed++
	c.st.LastID = p.info.ID
	c.st.LastPath = p.dir
	c.st.LastDuration = now.Sub(p.start)
	c.st.LastSize = size
	c.st.LastAlignment = align
	c.st.LastCompleted = now
	if !p.info.Savepoint {
		c.latestPath = p.dir
	}
	c.mu.Unlock()
	c.lastEnd = now
	c.failures = 0
	if !p.info.Savepoint {
		c.retain(p.dir)
	}
	// Only tasks that took part themselves are told; finished ones have
	// committed at their end.
	var wg sync.WaitGroup
	for i := range p.fromTask {
		wg.Add(1)
		c.cur.tasks[i].cp.post(mail{id: p.info.ID, complete: true, done: &wg})
	}
	if p.req != nil {
		req, a := p.req, c.cur
		go func() {
			if req.stop {
				done := make(chan struct{})
				go func() { wg.Wait(); close(done) }()
				select {
				case <-done:
				case <-a.done:
				case <-time.After(c.s.timeout):
				}
				c.job.stopped.Store(true)
				c.job.cancel()
			}
			req.reply <- savepointReply{path: p.dir}
		}()
	}
}

// retain keeps the newest num-retained checkpoints and removes the
// others, and every never-completed checkpoint directory older than the
// newest.
func (c *coordinator) retain(newest string) {
	c.retained = append(c.retained, newest)
	for len(c.retained) > c.s.retained {
		os.RemoveAll(c.retained[0])
		c.retained = c.retained[1:]
	}
	keep := map[string]bool{}
	for _, d := range c.retained {
		keep[d] = true
	}
	newestID, _ := checkpointDirID(filepath.Base(newest))
	entries, _ := os.ReadDir(c.s.jobDir())
	for _, e := range entries {
		id, ok := checkpointDirID(e.Name())
		p := filepath.Join(c.s.jobDir(), e.Name())
		if ok && id < newestID && !keep[p] {
			os.RemoveAll(p)
		}
	}
}

func withinDir(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !startsWithDotDot(rel)
}

func startsWithDotDot(rel string) bool {
	return len(rel) >= 3 && rel[:3] == ".."+string(filepath.Separator)
}

// copyTree copies the files under src into dst (hard links where the file
// system allows: state files are never modified in place).
func copyTree(src, dst string) error {
	return filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if err := os.Link(path, target); err == nil {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

// savepoint takes a savepoint into dir (or the default savepoint
// directory) and, with stop, stops the job after it completed.
func (c *coordinator) savepoint(ctx context.Context, dir string, stop bool) (string, error) {
	if !c.s.enabled {
		return "", fmt.Errorf("job %s: savepoints need checkpointing: set %s", c.job.name, ConfigCheckpointInterval)
	}
	if dir == "" {
		dir = c.s.savepointsDir
	}
	if dir == "" {
		dir = c.s.defaultSavepointsDir()
	}
	dir = localPath(dir)
	if dir == "" {
		return "", fmt.Errorf("job %s: savepoints can only be written to local directories", c.job.name)
	}
	c.mu.Lock()
	name := fmt.Sprintf("savepoint-%s-%d-%d", c.s.jobID[:6], c.nextID, time.Now().UnixMilli())
	c.mu.Unlock()
	req := savepointReq{dir: filepath.Join(dir, name), stop: stop, reply: make(chan savepointReply, 1)}
	select {
	case c.events <- req:
	case <-c.loopDone:
		return "", fmt.Errorf("job %s has ended", c.job.name)
	case <-ctx.Done():
		return "", ctx.Err()
	}
	select {
	case r := <-req.reply:
		return r.path, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// TriggerSavepoint takes a savepoint into a new directory under dir
// (state.savepoints.dir when dir is empty) and returns its path; the job
// goes on.
func (j *Job) TriggerSavepoint(ctx context.Context, dir string) (string, error) {
	return j.coord.savepoint(ctx, dir, false)
}

// StopWithSavepoint takes a savepoint, lets sinks commit it, and stops
// the job: Wait then returns no error. Sources emit nothing after the
// savepoint's barrier, so a job restored from it continues exactly there.
func (j *Job) StopWithSavepoint(ctx context.Context, dir string) (string, error) {
	return j.coord.savepoint(ctx, dir, true)
}

// initialRestore is the checkpoint the job was submitted to start from.
func (j *Job) initialRestore() *restorePoint { return j.firstRestore }
