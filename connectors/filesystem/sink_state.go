package filesystem

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/engine/state"
)

// sinkStateName is the sink's operator list state: for every subtask its
// part-file UUID and next counter, and every pending file with the
// checkpoint that publishes it.
const sinkStateName = "filesystem-sink-parts"

// inProgressName matches the hidden names of part files not yet
// published: .part-<uuid>-<subtask>-<counter>[.ext].inprogress, with
// checkpoints followed by .<uuid> (Flink's in-progress names).
var inProgressName = regexp.MustCompile(`^\.part-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(\d+)-\d+.*\.inprogress(\.[0-9a-f-]{36})?$`)

// finishedName matches published part files:
// part-<uuid>-<subtask>-<counter>[.ext].
var finishedName = regexp.MustCompile(`^part-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(\d+)-(\d+)(\..*)?$`)

// Element kinds of the sink's state.
const (
	elemSubtask byte = 's'
	elemPending byte = 'p'
)

// openState declares the sink's state and, after a restore, takes over
// from the checkpoint: the sink UUID and counter go on, the files the
// checkpoint recorded as pending are published (the checkpoint completed,
// but its notification may not have arrived before the failure), and
// what a failed attempt wrote after the checkpoint is removed: files in
// progress or pending, and files it published after the checkpoint (at
// the end of its input), since the restored job writes their rows again.
//
// The state is union-redistributed and every subtask j of n handles the
// files of old subtasks k with k mod n = j. The rule divides the old
// files among the new subtasks whatever the parallelisms, and each new
// subtask's own files (named with subtask j < n) fall to itself, so no
// subtask removes a file another one is writing.
func (s *sink) openState(rt *engine.RuntimeContext, restored bool) error {
	s.ckpt = true
	s.uuid = s.sinkUUID
	ops, err := rt.OperatorState()
	if err != nil {
		return errorf("%w", err)
	}
	if s.list, err = ops.ListState(sinkStateName, state.UnionRedistribute); err != nil {
		return errorf("%w", err)
	}
	par := max(rt.Parallelism, 1)
	uuids := map[string]bool{s.uuid: true}
	// Without a restore nothing the sink's UUID names is accounted for:
	// an earlier attempt in this process (a restart before any checkpoint
	// completed) may have published files at its input's end, and the job
	// writes their rows again.
	counters := map[counterKey]int{}
	recorded := map[string]bool{s.uuid: true}
	if restored {
		recorded = map[string]bool{}
		var own []pendingRecord
		for _, e := range s.list.Get() {
			r, err := decodeSinkElem(e)
			if err != nil {
				return errorf("table %s: %w", s.t.name, err)
			}
			if r.kind == elemSubtask {
				// Every subtask of one attempt has the same UUID; take it
				// so that the files of later attempts are recognised.
				if len(uuids) == 1 && uuids[s.uuid] {
					delete(uuids, s.uuid)
					s.uuid = r.uuid
				}
				uuids[r.uuid] = true
				recorded[r.uuid] = true
				k := counterKey{r.uuid, r.subtask}
				counters[k] = max(counters[k], r.next)
				switch {
				case r.subtask == s.subtask:
					s.next = max(s.next, r.next)
				case r.subtask >= par && r.subtask%par == s.subtask:
					// No subtask carries this number now: keep its
					// counter for later restores, which must tell its
					// files from files written after them.
					s.carried = append(s.carried, r)
				}
				continue
			}
			if r.subtask%par == s.subtask {
				own = append(own, r)
			}
		}
		for _, r := range own {
			if err := s.commitRestored(r); err != nil {
				return err
			}
		}
	}
	return s.removeStale(uuids, recorded, counters, par)
}

// counterKey names the part files of one subtask of one sink UUID.
type counterKey struct {
	uuid    string
	subtask int
}

// commitRestored publishes a file a restored checkpoint recorded as
// pending. It may have been published already (the notification came
// before the failure); when neither name exists, it was published and
// then moved away by a reader, which is what readers of finished files
// do.
func (s *sink) commitRestored(r pendingRecord) error {
	tmp, final := filepath.Join(s.t.path, r.tmp), filepath.Join(s.t.path, r.final)
	err := os.Rename(tmp, final)
	if err == nil || errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return errorf("cannot publish '%s': %w", final, unwrapPathError(err))
}

// staleBefore is when this process started: a hidden part file of
// another UUID last written before then is a leftover of an earlier run
// that never reached a checkpoint (a run killed before its first one
// completed starts again afresh, with a new UUID). Tests move it.
var staleBefore = time.Now()

// removeStale removes the files of this sink's UUIDs that fall to this
// subtask and that the checkpoint the job starts from does not account
// for: after commitRestored, every file still in progress or pending, and
// the finished files numbered at or above their subtask's counter in the
// checkpoint (counters only grow, so those were opened after it; a file
// of a subtask the checkpoint has no counter for is too). Hidden files of
// other UUIDs are removed only when they predate the process, so that
// another sink writing into the same directory keeps its files; finished
// files of other UUIDs are never touched. recorded are the UUIDs whose
// finished files counters account for.
func (s *sink) removeStale(uuids, recorded map[string]bool, counters map[counterKey]int, par int) error {
	entries, err := os.ReadDir(s.t.path)
	if err != nil {
		return errorf("cannot read directory '%s': %w", s.t.path, unwrapPathError(err))
	}
	var errs []error
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if m := inProgressName.FindStringSubmatch(e.Name()); m != nil {
			if k, err := strconv.Atoi(m[2]); err != nil || k%par != s.subtask {
				continue
			}
			if !uuids[m[1]] {
				info, err := e.Info()
				if err != nil || !info.ModTime().Before(staleBefore) {
					continue
				}
			}
		} else if m := finishedName.FindStringSubmatch(e.Name()); m != nil && recorded[m[1]] {
			k, err1 := strconv.Atoi(m[2])
			n, err2 := strconv.Atoi(m[3])
			if err1 != nil || err2 != nil || k%par != s.subtask {
				continue
			}
			if next, ok := counters[counterKey{m[1], k}]; ok && n < next {
				continue
			}
		} else {
			continue
		}
		if err := os.Remove(filepath.Join(s.t.path, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, errorf("cannot remove '%s' of a failed attempt: %w", filepath.Join(s.t.path, e.Name()), unwrapPathError(err)))
		}
	}
	return errors.Join(errs...)
}

// SnapshotState closes the part file in progress, which becomes pending
// (Flink's FileSink rolls bulk formats on every checkpoint; Sluice rolls
// every format, since an open file cannot be resumed), marks the pending
// files not yet in a checkpoint as this checkpoint's, and records them
// with the UUID and counter in the operator state.
func (s *sink) SnapshotState(_ context.Context, cp engine.CheckpointInfo) error {
	if s.list == nil {
		return nil
	}
	if err := s.closePart(); err != nil {
		return err
	}
	elems := s.counterElems()
	for _, p := range s.pending {
		if p.checkpoint == 0 {
			p.checkpoint = cp.ID
		}
		elems = append(elems, encodeSinkElem(pendingRecord{kind: elemPending, subtask: s.subtask, checkpoint: p.checkpoint,
			tmp: filepath.Base(p.tmp), final: filepath.Base(p.final)}))
	}
	s.list.Update(elems)
	return nil
}

// counterElems are the state's counter records: the subtask's own and
// those it carries for subtask numbers no subtask has since a rescale.
func (s *sink) counterElems() [][]byte {
	elems := [][]byte{encodeSinkElem(pendingRecord{kind: elemSubtask, subtask: s.subtask, uuid: s.uuid, next: s.next})}
	for _, r := range s.carried {
		elems = append(elems, encodeSinkElem(r))
	}
	return elems
}

// NotifyCheckpointComplete publishes the pending files of checkpoint id
// and of earlier ones (an aborted checkpoint's files wait for the next
// that completes).
func (s *sink) NotifyCheckpointComplete(_ context.Context, id int64) error {
	return s.publish(func(p *partFile) bool { return p.checkpoint > 0 && p.checkpoint <= id })
}

// pendingRecord is one element of the sink's state.
type pendingRecord struct {
	kind       byte
	subtask    int
	uuid       string // elemSubtask
	next       int    // elemSubtask
	checkpoint int64  // elemPending
	tmp, final string // elemPending: names in the sink's directory
}

const sinkStateVersion = 1

func encodeSinkElem(r pendingRecord) []byte {
	b := []byte{sinkStateVersion, r.kind}
	b = binary.AppendUvarint(b, uint64(r.subtask))
	str := func(v string) {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	if r.kind == elemSubtask {
		str(r.uuid)
		return binary.AppendUvarint(b, uint64(r.next))
	}
	b = binary.AppendUvarint(b, uint64(r.checkpoint))
	str(r.tmp)
	str(r.final)
	return b
}

func decodeSinkElem(e []byte) (pendingRecord, error) {
	corrupt := errorf("a checkpointed part file record is corrupt")
	var r pendingRecord
	if len(e) < 2 || e[0] != sinkStateVersion || (e[1] != elemSubtask && e[1] != elemPending) {
		return r, corrupt
	}
	r.kind, e = e[1], e[2:]
	bad := false
	num := func() uint64 {
		v, w := binary.Uvarint(e)
		if w <= 0 {
			bad = true
			return 0
		}
		e = e[w:]
		return v
	}
	str := func() string {
		n := num()
		if bad || uint64(len(e)) < n {
			bad = true
			return ""
		}
		v := string(e[:n])
		e = e[n:]
		return v
	}
	r.subtask = int(num())
	if r.kind == elemSubtask {
		r.uuid = str()
		r.next = int(num())
	} else {
		r.checkpoint = int64(num())
		r.tmp = str()
		r.final = str()
		// Names only: a record must not reach outside the directory.
		bad = bad || r.tmp != filepath.Base(r.tmp) || r.final != filepath.Base(r.final) || r.tmp == "." || r.final == "."
	}
	if bad || len(e) != 0 {
		return pendingRecord{}, corrupt
	}
	return r, nil
}

// exists says whether a path names something (a broken link included).
func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

var (
	_ engine.Checkpointed       = (*sink)(nil)
	_ engine.CheckpointListener = (*sink)(nil)
)
