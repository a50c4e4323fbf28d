package engine

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-stream/sluice/engine/state"
)

// Checkpoint and restart options not named in checkpoint.go.
const (
	configFixedDelayAttempts     = "restart-strategy.fixed-delay.attempts"
	configFixedDelayDelay        = "restart-strategy.fixed-delay.delay"
	configExpInitialBackoff      = "restart-strategy.exponential-delay.initial-backoff"
	configExpMaxBackoff          = "restart-strategy.exponential-delay.max-backoff"
	configExpMultiplier          = "restart-strategy.exponential-delay.backoff-multiplier"
	configExpResetThreshold      = "restart-strategy.exponential-delay.reset-backoff-threshold"
	configExpJitter              = "restart-strategy.exponential-delay.jitter-factor"
	configExpAttemptsBeforeReset = "restart-strategy.exponential-delay.attempts-before-reset-backoff"
	// DefaultCheckpointsDir is state.checkpoints.dir when it is not set,
	// relative to the working directory.
	DefaultCheckpointsDir = "sluice-checkpoints"
)

// checkpointSettings are a job's checkpoint options, read once.
type checkpointSettings struct {
	enabled   bool
	interval  time.Duration
	timeout   time.Duration
	minPause  time.Duration
	mode      CheckpointMode
	tolerable int
	dir       string // state.checkpoints.dir
	retained  int
	backend   string
	localDir  string
	jobID     string

	savepointPath   string
	savepointsDir   string
	restoreLatest   bool
	ignoreUnclaimed bool
	graph           *JobGraph
	maxPar          int
}

func parseCheckpointSettings(g *JobGraph, cfg Config) (checkpointSettings, error) {
	s := checkpointSettings{graph: g}
	var err error
	if s.maxPar, err = cfg.Int(ConfigMaxParallelism, DefaultMaxParallelism); err != nil {
		return s, err
	}
	if s.interval, err = cfg.Duration(ConfigCheckpointInterval, 0); err != nil {
		return s, err
	}
	if s.interval < 0 {
		return s, fmt.Errorf("%s must not be negative", ConfigCheckpointInterval)
	}
	if s.mode, err = ParseCheckpointMode(cfg.String(ConfigCheckpointMode, "")); err != nil {
		return s, err
	}
	if s.timeout, err = cfg.Duration(ConfigCheckpointTimeout, 10*time.Minute); err != nil {
		return s, err
	}
	if s.timeout <= 0 {
		return s, fmt.Errorf("%s must be positive", ConfigCheckpointTimeout)
	}
	if s.minPause, err = cfg.Duration(ConfigCheckpointMinPause, 0); err != nil {
		return s, err
	}
	conc, err := cfg.Int(ConfigCheckpointMaxConcurrent, 1)
	if err != nil {
		return s, err
	}
	if conc != 1 {
		return s, fmt.Errorf("%s = %d: Sluice takes one checkpoint at a time; only 1 is supported", ConfigCheckpointMaxConcurrent, conc)
	}
	if s.tolerable, err = cfg.Int(ConfigCheckpointTolerableFailures, 0); err != nil {
		return s, err
	}
	if s.tolerable < 0 {
		s.tolerable = math.MaxInt // Flink: -1 tolerates every failure
	}
	if s.retained, err = cfg.Int(ConfigCheckpointsRetained, 1); err != nil {
		return s, err
	}
	if s.retained < 1 {
		return s, fmt.Errorf("%s must be at least 1", ConfigCheckpointsRetained)
	}
	s.dir = localPath(cfg.String(ConfigCheckpointsDir, DefaultCheckpointsDir))
	if s.dir == "" {
		return s, fmt.Errorf("%s: only local directories (a path or file:// URI) are supported", ConfigCheckpointsDir)
	}
	s.savepointsDir = localPath(cfg.String(ConfigSavepointsDir, ""))
	if s.backend, err = state.ParseBackendType(cfg.String(state.ConfigBackendType, state.BackendHashMap)); err != nil {
		return s, err
	}
	s.localDir = localPath(cfg.String(ConfigStateLocalDir, ""))
	if s.localDir == "" {
		s.localDir = os.TempDir()
	}
	s.savepointPath = strings.TrimSpace(cfg.String(ConfigSavepointPath, ""))
	switch r := strings.ToLower(strings.TrimSpace(cfg.String(ConfigRestore, ""))); r {
	case "":
	case "latest":
		s.restoreLatest = true
	default:
		return s, fmt.Errorf("%s = %q: the only value is latest", ConfigRestore, r)
	}
	if s.ignoreUnclaimed, err = cfg.Bool(ConfigSavepointIgnoreUnclaimed, false); err != nil {
		return s, err
	}
	// Flink's batch mode takes no checkpoints.
	s.enabled = s.interval > 0 && !g.Batch
	var id [16]byte
	rand.Read(id[:])
	s.jobID = hex.EncodeToString(id[:])
	return s, nil
}

// localPath strips file:// (and file:) from a path; other schemes give "".
func localPath(p string) string {
	p = strings.TrimSpace(p)
	switch {
	case strings.HasPrefix(p, "file://"):
		return strings.TrimPrefix(p, "file://")
	case strings.HasPrefix(p, "file:"):
		return strings.TrimPrefix(p, "file:")
	case strings.Contains(p, "://"):
		return ""
	}
	return p
}

// defaultSavepointsDir is where savepoints go without state.savepoints.dir.
func (s *checkpointSettings) defaultSavepointsDir() string { return filepath.Join(s.dir, "savepoints") }

// jobDir is this run's directory under state.checkpoints.dir.
func (s *checkpointSettings) jobDir() string { return filepath.Join(s.dir, s.jobID) }

// initialRestore is the checkpoint the job's first attempt starts from.
func (s *checkpointSettings) initialRestore(job string) (*restorePoint, error) {
	var path string
	switch {
	case s.savepointPath != "":
		path = localPath(s.savepointPath)
		if path == "" {
			return nil, fmt.Errorf("%s = %q: only local directories are supported", ConfigSavepointPath, s.savepointPath)
		}
	case s.restoreLatest:
		p, skipped, err := FindLatestCheckpoint(s.dir, job, s.savepointsDir, s.defaultSavepointsDir())
		if err != nil {
			return nil, fmt.Errorf("%s = latest: %w", ConfigRestore, err)
		}
		for _, e := range skipped {
			Logf("job %s: skipping an unusable checkpoint: %v", job, e)
		}
		if p == "" {
			Logf("job %s: no completed checkpoint under %s: starting without state", job, s.dir)
			return nil, nil
		}
		path = p
	default:
		return nil, nil
	}
	rp, err := loadRestorePoint(path)
	if err != nil {
		return nil, err
	}
	if err := s.checkClaimed(rp); err != nil {
		return nil, err
	}
	Logf("job %s: restoring from checkpoint %d (%s)", job, rp.id, rp.path)
	return rp, nil
}

// checkClaimed fails when the checkpoint holds state of an operator the
// job does not have, unless execution.savepoint.ignore-unclaimed-state
// (Flink's --allowNonRestoredState) is set.
func (s *checkpointSettings) checkClaimed(rp *restorePoint) error {
	uids := map[string]bool{}
	for _, v := range s.graph.Vertices {
		if v.Source != nil {
			uids[fmt.Sprintf("%d.src", v.ID)] = true
		}
		for i := range v.Chain {
			uids[fmt.Sprintf("%d.%d", v.ID, i)] = true
		}
		if v.Sink != nil {
			uids[fmt.Sprintf("%d.sink", v.ID)] = true
		}
	}
	for _, op := range rp.meta.Operators {
		if uids[op.UID] {
			continue
		}
		hasState := false
		for _, st := range op.Subtasks {
			hasState = hasState || st.Dir != ""
		}
		if hasState && !s.ignoreUnclaimed {
			return fmt.Errorf("checkpoint %s holds state of operator %s (%s), which this job does not have; set %s = true (--allowNonRestoredState) to skip it",
				rp.path, op.UID, op.Name, ConfigSavepointIgnoreUnclaimed)
		}
	}
	if rp.meta.MaxParallelism != 0 && rp.meta.MaxParallelism != s.graphMaxPar() {
		return fmt.Errorf("checkpoint %s was taken with %s = %d; the job has %d: key groups cannot be remapped",
			rp.path, ConfigMaxParallelism, rp.meta.MaxParallelism, s.graphMaxPar())
	}
	return nil
}

func (s *checkpointSettings) graphMaxPar() int { return s.maxPar }

// restartStrategy is restart-strategy.*: whether and when a failed job is
// restarted in the same process.
type restartStrategy struct {
	kind string // none, fixed-delay, exponential-delay

	attempts int
	delay    time.Duration

	initial, max        time.Duration
	multiplier          float64
	resetThreshold      time.Duration
	jitter              float64
	attemptsBeforeReset int

	restarts    int
	backoff     time.Duration
	lastFailure time.Time
}

func parseRestartStrategy(cfg Config, checkpointing bool) (*restartStrategy, error) {
	kind := strings.ToLower(strings.TrimSpace(cfg.String(ConfigRestartStrategy, "")))
	switch kind {
	case "":
		// Flink's default: exponential delay when checkpointing is on,
		// no restarts otherwise.
		kind = "none"
		if checkpointing {
			kind = "exponential-delay"
		}
	case "none", "off", "disable":
		kind = "none"
	case "fixed-delay", "fixeddelay":
		kind = "fixed-delay"
	case "exponential-delay", "exponentialdelay":
		kind = "exponential-delay"
	default:
		return nil, fmt.Errorf("%s = %q: expected none, fixed-delay or exponential-delay", ConfigRestartStrategy, kind)
	}
	r := &restartStrategy{kind: kind}
	var err error
	if r.attempts, err = cfg.Int(configFixedDelayAttempts, 1); err != nil {
		return nil, err
	}
	if r.delay, err = cfg.Duration(configFixedDelayDelay, time.Second); err != nil {
		return nil, err
	}
	if r.initial, err = cfg.Duration(configExpInitialBackoff, time.Second); err != nil {
		return nil, err
	}
	if r.max, err = cfg.Duration(configExpMaxBackoff, time.Minute); err != nil {
		return nil, err
	}
	if r.resetThreshold, err = cfg.Duration(configExpResetThreshold, time.Hour); err != nil {
		return nil, err
	}
	if r.multiplier, err = cfgFloat(cfg, configExpMultiplier, 1.5); err != nil {
		return nil, err
	}
	if r.jitter, err = cfgFloat(cfg, configExpJitter, 0.1); err != nil {
		return nil, err
	}
	if r.attemptsBeforeReset, err = cfg.Int(configExpAttemptsBeforeReset, math.MaxInt); err != nil {
		return nil, err
	}
	if r.multiplier < 1 || r.jitter < 0 || r.jitter > 1 || r.initial <= 0 || r.max < r.initial {
		return nil, fmt.Errorf("restart-strategy.exponential-delay: backoff-multiplier must be ≥ 1, jitter-factor in [0, 1], 0 < initial-backoff ≤ max-backoff")
	}
	return r, nil
}

func cfgFloat(cfg Config, key string, def float64) (float64, error) {
	v, ok := cfg[key]
	if !ok {
		return def, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return 0, fmt.Errorf("config %s = %q: not a number", key, v)
	}
	return f, nil
}

// next says whether the job restarts after a failure at now, and after
// how long.
func (r *restartStrategy) next(_ error, now time.Time) (time.Duration, bool) {
	switch r.kind {
	case "fixed-delay":
		if r.restarts >= r.attempts {
			return 0, false
		}
		r.restarts++
		return r.delay, true
	case "exponential-delay":
		if r.restarts >= r.attemptsBeforeReset {
			return 0, false
		}
		if !r.lastFailure.IsZero() && now.Sub(r.lastFailure) >= r.resetThreshold {
			r.backoff = 0
		}
		r.lastFailure = now
		if r.backoff == 0 {
			r.backoff = r.initial
		} else {
			r.backoff = min(time.Duration(float64(r.backoff)*r.multiplier), r.max)
		}
		r.restarts++
		d := r.backoff
		if r.jitter > 0 {
			d += time.Duration((mrand.Float64()*2 - 1) * r.jitter * float64(d))
		}
		return max(d, 0), true
	}
	return 0, false
}

func (r *restartStrategy) String() string {
	switch r.kind {
	case "fixed-delay":
		return fmt.Sprintf("fixed-delay, attempt %d of %d", r.restarts, r.attempts)
	case "exponential-delay":
		return fmt.Sprintf("exponential-delay, attempt %d", r.restarts)
	}
	return r.kind
}
