package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-stream/sluice/engine/state"
)

// Checkpoint storage layout (a local directory, state.checkpoints.dir):
//
//	<dir>/<job-id>/                     one per run of a job (Flink's JobID)
//	  chk-<N>/                          checkpoint N
//	    _metadata                       JSON, written last through a rename
//	    <vertex>.<pos>/<subtask>/keyed/     keyed state (package state layout)
//	    <vertex>.<pos>/<subtask>/operator/  operator state
//	  finished/<vertex>.<pos>/<subtask>/    final state of finished tasks
//
// <pos> is "src", "sink" or the operator's position in its chain: the
// operator's uid, stable for the same plan. A checkpoint directory without
// _metadata was never completed and is never used. Savepoints have the
// same layout in a directory of their own (savepoint-<id>-<time>) and
// copy the state of finished tasks in, so they are self-contained.
const (
	metadataName   = "_metadata"
	metadataFormat = 1
	finishedDir    = "finished"
)

type checkpointMetadata struct {
	Format         int            `json:"format"`
	JobID          string         `json:"jobId"`
	Job            string         `json:"job"`
	CheckpointID   int64          `json:"checkpointId"`
	Timestamp      time.Time      `json:"timestamp"`
	Savepoint      bool           `json:"savepoint,omitempty"`
	MaxParallelism int            `json:"maxParallelism"`
	Operators      []operatorMeta `json:"operators"`
}

type operatorMeta struct {
	UID         string        `json:"uid"`
	Name        string        `json:"name"`
	Parallelism int           `json:"parallelism"`
	Subtasks    []subtaskMeta `json:"subtasks"`
}

type subtaskMeta struct {
	Subtask int `json:"subtask"`
	// Dir is relative to the checkpoint directory, slash-separated; "" when
	// the subtask had no state.
	Dir      string `json:"dir,omitempty"`
	Keyed    bool   `json:"keyed,omitempty"`
	Operator bool   `json:"operator,omitempty"`
	Size     int64  `json:"size"`
}

// restorePoint is a checkpoint or savepoint a job starts from.
type restorePoint struct {
	id        int64
	path      string
	meta      checkpointMetadata
	operators map[string]*instanceRestore
}

// loadRestorePoint reads and verifies the checkpoint or savepoint at path
// (the chk-N or savepoint directory, or its _metadata file). Errors name
// the file at fault.
func loadRestorePoint(path string) (*restorePoint, error) {
	if filepath.Base(path) == metadataName {
		path = filepath.Dir(path)
	}
	path = strings.TrimPrefix(path, "file://")
	mp := filepath.Join(path, metadataName)
	data, err := os.ReadFile(mp)
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(path); serr != nil {
			return nil, fmt.Errorf("checkpoint %s does not exist", path)
		}
		return nil, fmt.Errorf("checkpoint %s is incomplete: %s is missing", path, mp)
	}
	if err != nil {
		return nil, err
	}
	var m checkpointMetadata
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("checkpoint metadata %s is corrupt: %v", mp, err)
	}
	if m.Format != metadataFormat {
		return nil, fmt.Errorf("checkpoint metadata %s has format %d, expected %d", mp, m.Format, metadataFormat)
	}
	rp := &restorePoint{id: m.CheckpointID, path: path, meta: m, operators: map[string]*instanceRestore{}}
	for _, op := range m.Operators {
		r := &instanceRestore{checkpointID: m.CheckpointID, path: path, parallelism: op.Parallelism, dirs: make([]string, op.Parallelism)}
		for _, st := range op.Subtasks {
			if st.Subtask < 0 || st.Subtask >= op.Parallelism {
				return nil, fmt.Errorf("checkpoint metadata %s: operator %s has subtask %d of %d", mp, op.UID, st.Subtask, op.Parallelism)
			}
			if st.Dir == "" {
				continue
			}
			dir := filepath.Join(path, filepath.FromSlash(st.Dir))
			if st.Keyed {
				if err := state.VerifySnapshot(filepath.Join(dir, keyedDirName)); err != nil {
					return nil, fmt.Errorf("checkpoint %s: %w", path, err)
				}
			}
			if st.Operator {
				if err := state.VerifySnapshot(filepath.Join(dir, operatorDirName)); err != nil {
					return nil, fmt.Errorf("checkpoint %s: %w", path, err)
				}
			}
			r.dirs[st.Subtask] = dir
		}
		rp.operators[op.UID] = r
	}
	return rp, nil
}

// checkpointCandidate is a completed-looking checkpoint directory.
type checkpointCandidate struct {
	path string
	id   int64
	mod  time.Time
}

// FindLatestCheckpoint returns the newest usable checkpoint of the job
// called job under dir (state.checkpoints.dir): every run's directory is
// searched, and so are the savepoints in savepointDirs (a job stopped with
// a savepoint continues from it), newest first; a checkpoint whose
// metadata or state files are missing or corrupt is skipped and reported
// in skipped. It returns "" when there is none.
func FindLatestCheckpoint(dir, job string, savepointDirs ...string) (path string, skipped []error, err error) {
	dir = strings.TrimPrefix(dir, "file://")
	runs, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", nil, err
	}
	var cands []checkpointCandidate
	add := func(p string, id int64) {
		info, err := os.Stat(filepath.Join(p, metadataName))
		if err != nil {
			// Never completed; a half-written checkpoint is not a
			// candidate (and not an error).
			return
		}
		cands = append(cands, checkpointCandidate{path: p, id: id, mod: info.ModTime()})
	}
	for _, r := range runs {
		if !r.IsDir() {
			continue
		}
		chks, err := os.ReadDir(filepath.Join(dir, r.Name()))
		if err != nil {
			continue
		}
		for _, c := range chks {
			if id, ok := checkpointDirID(c.Name()); ok && c.IsDir() {
				add(filepath.Join(dir, r.Name(), c.Name()), id)
			}
		}
	}
	for _, sd := range savepointDirs {
		if sd == "" {
			continue
		}
		sps, _ := os.ReadDir(sd)
		for _, sp := range sps {
			if sp.IsDir() && strings.HasPrefix(sp.Name(), "savepoint-") {
				add(filepath.Join(sd, sp.Name()), 0)
			}
		}
	}
	slices.SortFunc(cands, func(a, b checkpointCandidate) int {
		if c := b.mod.Compare(a.mod); c != 0 {
			return c
		}
		return int(b.id - a.id)
	})
	for _, c := range cands {
		rp, err := loadRestorePoint(c.path)
		if err != nil {
			skipped = append(skipped, err)
			continue
		}
		if job != "" && rp.meta.Job != job {
			continue
		}
		return c.path, skipped, nil
	}
	return "", skipped, nil
}

func checkpointDirID(name string) (int64, bool) {
	s, ok := strings.CutPrefix(name, "chk-")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// writeMetadata writes _metadata last, through a temporary file, a sync
// and a rename: a reader sees no metadata or a complete one.
func writeMetadata(dir string, m checkpointMetadata) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, metadataName+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, metadataName)); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
