package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/sluice-stream/sluice/engine/state"
)

// Directory names inside an instance's checkpoint directory.
const (
	keyedDirName    = "keyed"
	operatorDirName = "operator"
)

// instanceState is the checkpoint-facing side of one source, operator or
// sink instance: its uid (stable across runs of the same plan), its keyed
// backend and operator state once asked for, and where it restores from.
type instanceState struct {
	uid     string
	name    string
	subtask int
	enabled bool // the job takes checkpoints

	backendType string
	localDir    string
	restore     *instanceRestore

	mu    sync.Mutex
	keyed *state.Backend
	op    *state.OperatorState
}

// instanceRestore is the part of a checkpoint that belongs to one
// operator: the directories of every subtask of the checkpointed job.
type instanceRestore struct {
	checkpointID int64
	path         string
	parallelism  int
	dirs         []string // by old subtask; "" when that subtask had no state
}

func (r *instanceRestore) info() Restored {
	return Restored{CheckpointID: r.checkpointID, Path: r.path, Parallelism: r.parallelism}
}

// subdirs returns the existing name subdirectories of the old subtasks.
func (r *instanceRestore) subdirs(name string) []string {
	var out []string
	for _, d := range r.dirs {
		if d == "" {
			continue
		}
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}

func (s *instanceState) keyedState(rt *RuntimeContext) (*state.Backend, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keyed != nil {
		return s.keyed, nil
	}
	r, err := state.RangeForSubtask(rt.MaxParallelism, rt.Parallelism, rt.Subtask)
	if err != nil {
		return nil, err
	}
	b, err := state.Open(state.Options{Type: s.backendType, Dir: s.localDir, Range: r})
	if err != nil {
		return nil, err
	}
	if s.restore != nil {
		if dirs := s.restore.subdirs(keyedDirName); len(dirs) > 0 {
			if err := b.Restore(dirs...); err != nil {
				b.Close()
				return nil, fmt.Errorf("restoring keyed state of %s from checkpoint %d: %w", s.name, s.restore.checkpointID, err)
			}
		}
	}
	s.keyed = b
	return b, nil
}

func (s *instanceState) operatorState(rt *RuntimeContext) (*state.OperatorState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.op != nil {
		return s.op, nil
	}
	if s.restore != nil {
		// Every old subtask's directory takes part, with or without
		// operator state, so split redistribution sees the old
		// parallelism.
		var dirs []string
		have := false
		for _, d := range s.restore.dirs {
			p := filepath.Join(d, operatorDirName)
			if d != "" {
				if _, err := os.Stat(p); err == nil {
					have = true
				}
			}
			dirs = append(dirs, p)
		}
		if have {
			o, err := restoreOperatorState(dirs, rt.Subtask, rt.Parallelism)
			if err != nil {
				return nil, fmt.Errorf("restoring operator state of %s from checkpoint %d: %w", s.name, s.restore.checkpointID, err)
			}
			s.op = o
			return o, nil
		}
	}
	s.op = state.NewOperatorState()
	return s.op, nil
}

// restoreOperatorState restores from the old subtasks' directories,
// treating a missing one as an empty state.
func restoreOperatorState(dirs []string, index, parallelism int) (*state.OperatorState, error) {
	var present []string
	for _, d := range dirs {
		if _, err := os.Stat(d); err == nil {
			present = append(present, d)
		}
	}
	if len(present) == len(dirs) {
		return state.RestoreOperatorState(dirs, index, parallelism)
	}
	// Empty subtasks would shift split redistribution; every list of the
	// present ones is redistributed over the new parallelism.
	return state.RestoreOperatorState(present, index, parallelism)
}

// snapshot captures the instance's keyed and operator state for the
// checkpoint directory dir and returns the function that writes it.
func (s *instanceState) snapshot(dir string) (func() error, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var writes []func() error
	if s.keyed != nil {
		w, err := s.keyed.Snapshot(filepath.Join(dir, keyedDirName))
		if err != nil {
			return nil, err
		}
		writes = append(writes, w)
	}
	if s.op != nil {
		w, err := s.op.Snapshot(filepath.Join(dir, operatorDirName))
		if err != nil {
			return nil, err
		}
		writes = append(writes, w)
	}
	if len(writes) == 0 {
		return nil, nil
	}
	return func() error {
		var errs []error
		for _, w := range writes {
			errs = append(errs, w())
		}
		return errors.Join(errs...)
	}, nil
}

func (s *instanceState) hasState() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keyed != nil || s.op != nil
}

func (s *instanceState) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keyed != nil {
		err := s.keyed.Close()
		s.keyed = nil
		return err
	}
	return nil
}

// instance makes the checkpoint side of one instance; pos is "src",
// "sink" or the chain position.
func (j *jobRun) instance(v *Vertex, pos, name string, subtask int) *instanceState {
	uid := fmt.Sprintf("%d.%s", v.ID, pos)
	s := &instanceState{uid: uid, name: name, subtask: subtask, enabled: j.ckptEnabled, backendType: j.backendType, localDir: j.localDir}
	if j.restore != nil {
		s.restore = j.restore.operators[uid]
	}
	return s
}
